/**
 * A Prefect-like database: the tables Prefect's server keeps (work pools, flows, deployments, flow
 * runs, task runs, logs) with foreign keys, JSONB, enums-as-text and timestamps, filled with a few
 * thousand deterministic rows. Enough for pg_dump / pg_restore to exercise what a real Prefect
 * database holds, and for row counts to be known in advance.
 */
import type { RunningPostgres } from './server.ts';

/** Rows per table after seeding, keyed `schema.table` as the dump's row counts are. */
export const PREFECT_SEED_ROW_COUNTS: Readonly<Record<string, number>> = {
  'public.work_pool': 3,
  'public.flow': 12,
  'public.deployment': 18,
  'public.flow_run': 240,
  'public.task_run': 720,
  'public.log': 1500,
};

const SCHEMA = `
CREATE TABLE work_pool (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  type text NOT NULL,
  concurrency_limit integer,
  created timestamptz NOT NULL
);
CREATE TABLE flow (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  tags jsonb NOT NULL DEFAULT '[]',
  created timestamptz NOT NULL
);
CREATE TABLE deployment (
  id uuid PRIMARY KEY,
  flow_id uuid NOT NULL REFERENCES flow (id) ON DELETE CASCADE,
  work_pool_id uuid REFERENCES work_pool (id) ON DELETE SET NULL,
  name text NOT NULL,
  schedule jsonb,
  parameters jsonb NOT NULL DEFAULT '{}',
  created timestamptz NOT NULL,
  UNIQUE (flow_id, name)
);
CREATE TABLE flow_run (
  id uuid PRIMARY KEY,
  flow_id uuid NOT NULL REFERENCES flow (id) ON DELETE CASCADE,
  deployment_id uuid REFERENCES deployment (id) ON DELETE SET NULL,
  name text NOT NULL,
  state_type text NOT NULL CHECK (state_type IN ('SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CRASHED')),
  start_time timestamptz,
  end_time timestamptz,
  parameters jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX flow_run_flow_id_start_time ON flow_run (flow_id, start_time);
CREATE TABLE task_run (
  id uuid PRIMARY KEY,
  flow_run_id uuid NOT NULL REFERENCES flow_run (id) ON DELETE CASCADE,
  task_key text NOT NULL,
  state_type text NOT NULL,
  run_count integer NOT NULL DEFAULT 0,
  start_time timestamptz
);
CREATE TABLE log (
  id bigserial PRIMARY KEY,
  flow_run_id uuid REFERENCES flow_run (id) ON DELETE CASCADE,
  level smallint NOT NULL,
  message text NOT NULL,
  timestamp timestamptz NOT NULL
);
`;

/** md5-derived UUIDs: the same on every run, unlike gen_random_uuid(). */
const SEED = `
INSERT INTO work_pool
SELECT md5('work_pool' || n)::uuid, 'pool-' || n, (ARRAY['kubernetes', 'process', 'kubernetes'])[n], n * 10,
       timestamptz '2024-01-01 00:00:00+00' + n * interval '1 hour'
FROM generate_series(1, 3) AS n;
INSERT INTO flow
SELECT md5('flow' || n)::uuid, 'ingest-' || n, jsonb_build_array('exchange-' || (n % 4), 'daily'),
       timestamptz '2024-01-02 00:00:00+00' + n * interval '1 minute'
FROM generate_series(1, 12) AS n;
INSERT INTO deployment
SELECT md5('deployment' || n)::uuid, md5('flow' || ((n - 1) % 12 + 1))::uuid, md5('work_pool' || ((n - 1) % 3 + 1))::uuid,
       'deploy-' || n, jsonb_build_object('cron', (n % 60) || ' * * * *'), jsonb_build_object('symbols', n),
       timestamptz '2024-01-03 00:00:00+00' + n * interval '1 minute'
FROM generate_series(1, 18) AS n;
INSERT INTO flow_run
SELECT md5('flow_run' || n)::uuid, md5('flow' || ((n - 1) % 12 + 1))::uuid, md5('deployment' || ((n - 1) % 18 + 1))::uuid,
       'run-' || n, (ARRAY['SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CRASHED'])[n % 5 + 1],
       timestamptz '2024-02-01 00:00:00+00' + n * interval '5 minutes',
       timestamptz '2024-02-01 00:03:00+00' + n * interval '5 minutes', jsonb_build_object('day', n % 31)
FROM generate_series(1, 240) AS n;
INSERT INTO task_run
SELECT md5('task_run' || n)::uuid, md5('flow_run' || ((n - 1) % 240 + 1))::uuid, 'task-' || (n % 7),
       (ARRAY['COMPLETED', 'FAILED', 'COMPLETED'])[n % 3 + 1], n % 3,
       timestamptz '2024-02-01 00:00:00+00' + n * interval '100 seconds'
FROM generate_series(1, 720) AS n;
INSERT INTO log (flow_run_id, level, message, timestamp)
SELECT md5('flow_run' || ((n - 1) % 240 + 1))::uuid, (ARRAY[10, 20, 30, 40])[n % 4 + 1],
       'line ' || n || ': fetched ' || (n * 37 % 1000) || ' rows',
       timestamptz '2024-02-01 00:00:00+00' + n * interval '1 second'
FROM generate_series(1, 1500) AS n;
`;

/** Creates the Prefect-like tables in `database` (which must exist and be empty) and fills them. */
export async function seedPrefectDatabase(postgres: RunningPostgres, database: string): Promise<void> {
  await postgres.query(`${SCHEMA}${SEED}`, database);
}
