/**
 * A real PostgreSQL 15 (Debian's binaries) as a plain process in a temporary directory, for the
 * drill and the tests: initdb with trust authentication on 127.0.0.1 only, a free port, pg_ctl to
 * start and stop. PostgreSQL refuses to run as root, so as root every server command runs as the
 * `postgres` user the Debian package creates, in a directory that user owns.
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureSystemBinaries, POSTGRES, POSTGRES_BIN_DIRECTORY } from '../system/debian-packages.ts';
import { freePort } from '../system/free-port.ts';

const run = promisify(execFile);

export interface PostgresOptions {
  /** Databases created at start (besides `postgres`). */
  databases?: string[];
}

export interface RunningPostgres {
  readonly host: string;
  readonly port: number;
  /** The superuser; trust authentication, so no password. */
  readonly user: string;
  /** A libpq connection URL for one database. */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  /**
   * Runs SQL through psql and returns the rows the statements return, as text. Several statements
   * run as one implicit transaction (psql --command), so CREATE DATABASE must come alone.
   */
  query(sql: string, database?: string): Promise<string[][]>;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';
/** Between fields of psql's unaligned output: a control character no seeded value contains. */
const FIELD_SEPARATOR = '\u001f';

/** As root: the uid/gid of the `postgres` user, who must own the data directory and run the server. */
async function serverAccount(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout } = await run('id', ['-u', SUPERUSER]).catch(() => {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no "${SUPERUSER}" user to run it as; install the Debian package: apt-get install -y postgresql`,
    );
  });
  const { stdout: group } = await run('id', ['-g', SUPERUSER]);
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) };
}

function postgresBinary(name: string): string {
  return join(POSTGRES_BIN_DIRECTORY, name);
}

/** Quotes an identifier for SQL (`"my db"`), so database names cannot inject SQL. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  ensureSystemBinaries([POSTGRES]);
  const account = await serverAccount();
  const asServer = (binary: string, args: string[]) =>
    account
      ? run('runuser', ['-u', SUPERUSER, '--', postgresBinary(binary), ...args])
      : run(postgresBinary(binary), args);

  const directory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-postgres-'));
  if (account) await chown(directory, account.uid, account.gid);
  const data = join(directory, 'data');
  const port = await freePort();
  await asServer('initdb', [
    `--pgdata=${data}`,
    `--username=${SUPERUSER}`,
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  // Durability is worthless in a throwaway test database and fsync costs seconds per test file.
  const serverOptions = [
    `-p ${port}`,
    `-k ${directory}`,
    `-c listen_addresses=${HOST}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  try {
    await asServer('pg_ctl', [
      `--pgdata=${data}`,
      `--log=${join(directory, 'server.log')}`,
      `--options=${serverOptions}`,
      '--wait',
      'start',
    ]);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start in ${directory}: ${(error as Error).message}`);
  }

  const url = (database: string) =>
    `postgresql://${SUPERUSER}@${HOST}:${port}/${encodeURIComponent(database)}`;

  async function query(sql: string, database = 'postgres'): Promise<string[][]> {
    const { stdout } = await run(
      postgresBinary('psql'),
      [
        '--no-psqlrc',
        '--quiet',
        '--tuples-only',
        '--no-align',
        `--field-separator=${FIELD_SEPARATOR}`,
        '--set=ON_ERROR_STOP=1',
        `--dbname=${url(database)}`,
        `--command=${sql}`,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: Error & { stderr?: string }) => {
      throw new Error(`psql on database ${database} failed: ${error.stderr?.trim() || error.message}`);
    });
    return stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(FIELD_SEPARATOR));
  }

  const running: RunningPostgres = {
    host: HOST,
    port,
    user: SUPERUSER,
    url,
    query,
    async createDatabase(name) {
      await query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    },
    async stop() {
      await asServer('pg_ctl', [`--pgdata=${data}`, '--mode=immediate', '--wait', 'stop']).catch(() => {
        // Already stopped: nothing left to do but remove the directory.
      });
      await rm(directory, { recursive: true, force: true });
    },
  };
  for (const database of options.databases ?? []) await running.createDatabase(database);
  return running;
}
