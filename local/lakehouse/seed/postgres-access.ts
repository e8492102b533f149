import type { PlatformLayout } from '../../../functions/core/platform/layout.ts';
import type { KubeObject } from '../../kube-sim/model.ts';
import { serviceAccount } from './workload-builders.ts';

/**
 * What the pg_dump Job needs on the cluster besides the database: the Secret with the password
 * (the Prefect chart's `prefect-postgresql`, key `postgres-password`) and the dump service account,
 * at the names the handlers are configured with (postgresDumpEnvironment).
 */
export interface LocalPostgresNames {
  readonly namespace: string;
  /** The Service's cluster DNS name, as POSTGRES_HOST names it on EKS. */
  readonly host: string;
  /** The Service port, which libpq defaults to. */
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly passwordSecret: { readonly name: string; readonly key: string };
  readonly dumpServiceAccount: string;
}

export function localPostgresNames(layout: PlatformLayout): LocalPostgresNames {
  const namespace = layout.prefect.namespace;
  return {
    namespace,
    host: `prefect-postgresql.${namespace}.svc`,
    port: 5432,
    user: 'postgres',
    database: 'prefect',
    passwordSecret: { name: 'prefect-postgresql', key: 'postgres-password' },
    dumpServiceAccount: 'lakehouse-ops-pg-dump',
  };
}

/** The handlers' POSTGRES_* variables (dumpPostgresHandlerEnvironment) for these names. */
export function postgresHandlerEnvironment(names: LocalPostgresNames): Record<string, string> {
  return {
    POSTGRES_NAMESPACE: names.namespace,
    POSTGRES_HOST: names.host,
    // The Service's port, as on EKS: the pg-tools Job executor routes host and port to the server.
    POSTGRES_PORT: String(names.port),
    POSTGRES_USER: names.user,
    POSTGRES_DATABASE: names.database,
    POSTGRES_PASSWORD_SECRET: `${names.passwordSecret.name}/${names.passwordSecret.key}`,
    POSTGRES_DUMP_SERVICE_ACCOUNT: names.dumpServiceAccount,
  };
}

export function postgresAccessObjects(
  names: LocalPostgresNames,
  accountId: string,
  password: string,
): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: names.passwordSecret.name, namespace: names.namespace },
      type: 'Opaque',
      data: { [names.passwordSecret.key]: Buffer.from(password).toString('base64') },
    },
    serviceAccount(
      names.namespace,
      names.dumpServiceAccount,
      `arn:aws:iam::${accountId}:role/${names.dumpServiceAccount}`,
    ),
  ];
}
