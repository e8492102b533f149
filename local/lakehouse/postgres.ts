import type { JobExecutor, JobExecutorRegistry } from '../kube-sim/job-executors.ts';
import {
  pgToolsJobExecutors,
  type RunningPostgres,
  seedPrefectDatabase,
  startPostgres,
} from '../postgres/index.ts';
import { AWS_CLI, missingBinaries, POSTGRES } from '../system/debian-packages.ts';
import type { LocalPostgresNames } from './seed/postgres-access.ts';

/**
 * The Prefect database of the local lakehouse: a real PostgreSQL seeded with the Prefect-like
 * schema, and the pg-tools Job executor that reaches it. Only when Debian's PostgreSQL server and
 * the AWS CLI are installed: without them the lakehouse runs as before and reports no postgres.
 */
export interface LakehousePostgres {
  readonly server: RunningPostgres;
  /** For startKubeSim's `jobExecutors`. */
  readonly jobExecutors: JobExecutorRegistry;
  stop(): Promise<void>;
}

export interface LakehousePostgresOptions {
  readonly names: LocalPostgresNames;
  /** The S3 the dump Job writes to (the DR-region S3 with the backup bucket). */
  readonly s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
}

export function postgresInstalled(): boolean {
  return missingBinaries([POSTGRES, AWS_CLI]).length === 0;
}

export async function startLakehousePostgres(
  options: LakehousePostgresOptions,
): Promise<LakehousePostgres | undefined> {
  return startPostgresBehindService(options, async (server) => {
    await server.createDatabase(options.names.database);
    await seedPrefectDatabase(server, options.names.database);
  });
}

/**
 * The DR cluster's PostgreSQL as the failover finds it: a server without the Prefect database
 * (the DR manifests start it without POSTGRES_DB; the failover's restore Job creates it from the
 * newest dump), reached by the DR cluster's pg-tools Jobs at the same Service name.
 */
export function startDrPostgres(options: LakehousePostgresOptions): Promise<LakehousePostgres | undefined> {
  return startPostgresBehindService(options, async () => undefined);
}

async function startPostgresBehindService(
  options: LakehousePostgresOptions,
  seed: (server: RunningPostgres) => Promise<void>,
): Promise<LakehousePostgres | undefined> {
  if (!postgresInstalled()) return undefined;
  const server = await startPostgres({ databases: [] });
  try {
    await seed(server);
    const executors = pgToolsJobExecutors({ s3: options.s3 });
    const jobExecutors = Object.fromEntries(
      Object.entries(executors).map(([image, executor]) => [
        image,
        routedToServer(executor, options.names, server),
      ]),
    );
    return { server, jobExecutors, stop: () => server.stop() };
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * The Job connects to the Service's DNS name on 5432, as on EKS; cluster DNS and kube-proxy would
 * carry that to the database pod. Here the container runs on this machine, so the Service address
 * is rewritten to where the local server listens (an ephemeral port on 127.0.0.1).
 */
function routedToServer(
  executor: JobExecutor,
  names: LocalPostgresNames,
  server: RunningPostgres,
): JobExecutor {
  return (run) => {
    const { PGHOST: host, PGPORT: port = String(names.port) } = run.env;
    const toService = host === names.host && port === String(names.port);
    if (!toService) return executor(run);
    return executor({ ...run, env: { ...run.env, PGHOST: server.host, PGPORT: String(server.port) } });
  };
}
