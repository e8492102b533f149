/**
 * The local PostgreSQL for the drill and the tests: a real Debian PostgreSQL 15 server, a
 * Prefect-like database, and kube-sim's executor for the pg-tools Job image.
 *
 *   const postgres = await startPostgres({ databases: ['prefect'] });
 *   await seedPrefectDatabase(postgres, 'prefect');             // PREFECT_SEED_ROW_COUNTS rows
 *   const sim = await startKubeSim({ nodes, jobExecutors: pgToolsJobExecutors({ s3: { endpoint, ... } }) });
 *   ... runPgDumpJob / restoreDumpInto with connection { host: postgres.host, port: postgres.port, user: postgres.user }
 *   await postgres.stop();
 */

export { type PgToolsOptions, pgToolsJobExecutors } from './pg-tools.ts';
export { PREFECT_SEED_ROW_COUNTS, seedPrefectDatabase } from './prefect-schema.ts';
export { type PostgresOptions, type RunningPostgres, startPostgres } from './server.ts';
