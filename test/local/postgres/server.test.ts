import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREFECT_SEED_ROW_COUNTS, seedPrefectDatabase } from '../../../local/postgres/prefect-schema.ts';
import { type RunningPostgres, startPostgres } from '../../../local/postgres/server.ts';

describe('startPostgres', () => {
  let postgres: RunningPostgres;
  beforeAll(async () => {
    postgres = await startPostgres({ databases: ['prefect'] });
    await seedPrefectDatabase(postgres, 'prefect');
  });
  afterAll(() => postgres.stop());

  it('runs a real PostgreSQL 15 on loopback with trust authentication', async () => {
    expect(postgres.host).toBe('127.0.0.1');
    expect(postgres.url('prefect')).toBe(`postgresql://postgres@127.0.0.1:${postgres.port}/prefect`);
    const [[version, address] = []] = await postgres.query(
      "SELECT current_setting('server_version_num'), inet_server_addr()::text",
    );
    expect(Number(version)).toBeGreaterThanOrEqual(150000);
    expect(Number(version)).toBeLessThan(160000);
    expect(address).toBe('127.0.0.1/32');
  });

  it('creates the databases it was asked for and more on demand', async () => {
    await postgres.createDatabase('scratch');
    const rows = await postgres.query(
      "SELECT datname FROM pg_database WHERE datname IN ('prefect', 'scratch') ORDER BY 1",
    );
    expect(rows).toEqual([['prefect'], ['scratch']]);
  });

  it('seeds the Prefect-like tables with the documented row counts', async () => {
    const tables = Object.keys(PREFECT_SEED_ROW_COUNTS);
    const sql = tables.map((table) => `SELECT '${table}', count(*) FROM ${table}`).join(' UNION ALL ');
    const counts = Object.fromEntries(
      (await postgres.query(sql, 'prefect')).map(([table, count]) => [table, Number(count)]),
    );
    expect(counts).toEqual(PREFECT_SEED_ROW_COUNTS);
  });

  it('seeds the same rows every time', async () => {
    await postgres.createDatabase('prefect_again');
    await seedPrefectDatabase(postgres, 'prefect_again');
    const fingerprint = (database: string) =>
      postgres.query(
        "SELECT md5(string_agg(f::text || d::text || r::text, ',' ORDER BY r.id)) FROM flow_run r JOIN flow f ON f.id = r.flow_id JOIN deployment d ON d.id = r.deployment_id",
        database,
      );
    expect(await fingerprint('prefect_again')).toEqual(await fingerprint('prefect'));
  });

  it('reports the failing statement with PostgreSQL message', async () => {
    await expect(postgres.query('SELECT * FROM no_such_table', 'prefect')).rejects.toThrow(
      /psql on database prefect failed: .*relation "no_such_table" does not exist/,
    );
  });
});

describe('RunningPostgres.stop', () => {
  it('stops the server and removes its directory', async () => {
    const postgres = await startPostgres();
    const [[directory] = []] = await postgres.query("SELECT current_setting('data_directory')");
    await postgres.stop();
    expect(directory && existsSync(directory)).toBe(false);
    await expect(postgres.query('SELECT 1')).rejects.toThrow(/psql on database postgres failed/);
  });
});
