import type { RestoreJobSettings } from './postgres.ts';

/** The pg_restore Job settings from a handler's environment (the same variables DumpPostgres uses). */
export function restoreJobSettings(env: {
  POSTGRES_NAMESPACE: string;
  POSTGRES_HOST: string;
  POSTGRES_PORT?: number;
  POSTGRES_USER: string;
  POSTGRES_PASSWORD_SECRET: string;
  POSTGRES_DUMP_SERVICE_ACCOUNT: string;
  BACKUP_BUCKET_REGION: string;
}): RestoreJobSettings {
  const [name = '', key = ''] = env.POSTGRES_PASSWORD_SECRET.split('/');
  return {
    namespace: env.POSTGRES_NAMESPACE,
    serviceAccountName: env.POSTGRES_DUMP_SERVICE_ACCOUNT,
    connection: {
      host: env.POSTGRES_HOST,
      port: env.POSTGRES_PORT,
      user: env.POSTGRES_USER,
      passwordSecret: { name, key },
    },
    region: env.BACKUP_BUCKET_REGION,
  };
}
