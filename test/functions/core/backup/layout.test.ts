import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  dataKey,
  dumpKey,
  dumpPrefix,
  manifestKey,
  newRunId,
  normaliseEtag,
  parseDataKey,
  runIdOfDumpKey,
  runIdOfManifestKey,
  runKeys,
  runStartedAt,
} from '../../../../functions/core/backup/layout.ts';

describe('dataKey', () => {
  const tricky = [
    'plain.parquet',
    'trades/2024/01/01/part-0.parquet',
    'dir/',
    'dir//double',
    'with space/and tab\t.csv',
    'ünïcödé/日本語/ключ.json',
    '0123456789abcdef0123456789abcdef',
    'x/0123456789abcdef0123456789abcdef',
    '/leading-slash',
    'a+b=c&d?e#f%20',
  ];
  const etags = ['"0123456789abcdef0123456789abcdef"', '"ABCDEF0123456789abcdef0123456789-3"'];

  it('round-trips through parseDataKey for tricky keys and ETags', () => {
    for (const key of tricky) {
      for (const etag of etags) {
        const destKey = dataKey('src-bucket', key, etag);
        expect(parseDataKey(destKey)).toEqual({ sourceBucket: 'src-bucket', key, etag: normaliseEtag(etag) });
      }
    }
  });

  it('gives distinct keys to distinct (key, etag) pairs, including keys that look like ETags', () => {
    const destKeys = new Set<string>();
    for (const key of tricky) for (const etag of etags) destKeys.add(dataKey('src-bucket', key, etag));
    // key "x" with etag "e" against key "x/e"-like shapes
    destKeys.add(dataKey('src-bucket', 'x', '0123456789abcdef0123456789abcdef'));
    expect(destKeys.size).toBe(tricky.length * etags.length + 1);
  });

  it('keeps the multipart -N suffix and strips quotes and case', () => {
    expect(normaliseEtag('"ABC-12"')).toBe('abc-12');
    expect(dataKey('b-1', 'k', '"ABC-12"')).toBe('data/b-1/k/abc-12');
  });

  it('refuses an ETag with a slash and a bucket name with one', () => {
    expect(() => dataKey('src-bucket', 'k', 'ab/cd')).toThrow(/ETag "ab\/cd"/);
    expect(() => dataKey('src/bucket', 'k', 'abcd')).toThrow(/not a valid S3 bucket name/);
  });

  it('refuses to parse keys outside data/', () => {
    expect(() => parseDataKey('manifests/b/x.jsonl')).toThrow(/not a data key/);
    expect(() => parseDataKey('data/bucket-only')).toThrow(/not a data key/);
  });
});

describe('run ids', () => {
  it('encodes the UTC start time so that string order is time order', () => {
    const early = newRunId(new Date('2024-03-01T09:05:07.123Z'), () => Buffer.from('ffffffff', 'hex'));
    const late = newRunId(new Date('2024-03-01T09:05:08.000Z'), () => Buffer.from('00000000', 'hex'));
    expect(early).toBe('20240301T090507123Z-ffffffff');
    expect(early < late).toBe(true);
    expect(runStartedAt(early).toISOString()).toBe('2024-03-01T09:05:07.123Z');
  });

  it('orders two runs started within the same second by their milliseconds, whatever their random part', () => {
    const first = newRunId(new Date('2024-03-01T09:05:07.100Z'), () => Buffer.from('ffffffff', 'hex'));
    const second = newRunId(new Date('2024-03-01T09:05:07.101Z'), () => Buffer.from('00000000', 'hex'));
    expect([second, first].sort()).toEqual([first, second]);
  });

  it('still reads run ids written before they carried milliseconds', () => {
    expect(runStartedAt('20240301T090507Z-0a1b2c3d').toISOString()).toBe('2024-03-01T09:05:07.000Z');
    expect(manifestKey('src-bucket', '20240301T090507Z-0a1b2c3d')).toBe(
      'manifests/src-bucket/20240301T090507Z-0a1b2c3d.jsonl',
    );
  });

  it('refuses a malformed run id with what was expected', () => {
    expect(() => runKeys('src-bucket', '2024-03-01')).toThrow(/YYYYMMDDTHHMMSSmmmZ-<8 hex>/);
  });
});

describe('manifest and run keys', () => {
  const runId = '20240301T090507Z-0a1b2c3d';

  it('builds the documented layout', () => {
    expect(manifestKey('src-bucket', runId)).toBe(`manifests/src-bucket/${runId}.jsonl`);
    const keys = runKeys('src-bucket', runId);
    expect(keys.plan).toBe(`runs/src-bucket/${runId}/plan.jsonl`);
    expect(keys.batches).toBe(`runs/src-bucket/${runId}/batches.json`);
    expect(keys.batch(3)).toBe(`runs/src-bucket/${runId}/batches/3.jsonl`);
    expect(keys.results(3)).toBe(`runs/src-bucket/${runId}/results/3.jsonl`);
  });

  it('reads the run id back from a manifest key and ignores anything else', () => {
    expect(runIdOfManifestKey('src-bucket', manifestKey('src-bucket', runId))).toBe(runId);
    expect(runIdOfManifestKey('src-bucket', `manifests/src-bucket/${runId}.jsonl.uploading`)).toBeUndefined();
    expect(runIdOfManifestKey('src-bucket', `manifests/src-bucket-2/${runId}.jsonl`)).toBeUndefined();
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, as S3 lists, not by UTF-16 code units', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 ...) in UTF-8 but after it in UTF-16.
    expect(compareKeys('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1f600}').toBe(false);
    expect(compareKeys('a', 'a')).toBe(0);
    expect(compareKeys('a/', 'a-')).toBeGreaterThan(0);
  });
});

describe('dump keys', () => {
  const runId = '20260301T020000000Z-0a1b2c3d';

  it('names a run of a database, and reads the run back from the dump, its sidecar and its reports', () => {
    expect(dumpKey('prefect', runId)).toBe(`postgres/prefect/${runId}.dump`);
    for (const suffix of ['.dump', '.dump.json', '.dump.restore-pg-verify-x.json']) {
      expect(runIdOfDumpKey('prefect', `postgres/prefect/${runId}${suffix}`)).toBe(runId);
    }
    expect(runIdOfDumpKey('prefect', 'postgres/prefect/README')).toBeUndefined();
    expect(runIdOfDumpKey('prefect', `postgres/other/${runId}.dump`)).toBeUndefined();
  });

  it('refuses a database name with a slash and a run id of another form', () => {
    expect(() => dumpPrefix('a/b')).toThrow(/database must be a PostgreSQL database name without "\/"/);
    expect(() => dumpKey('prefect', 'yesterday')).toThrow(/run id/);
  });
});
