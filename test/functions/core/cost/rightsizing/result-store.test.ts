import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectStoreError } from '../../../../../functions/commons/errors.ts';
import type { Recommendation } from '../../../../../functions/core/cost/recommendation.ts';
import type { RightsizingResult } from '../../../../../functions/core/cost/rightsizing/recommend.ts';
import {
  loadRightsizingResult,
  storeRightsizingResult,
} from '../../../../../functions/core/cost/rightsizing/result-store.ts';
import { GIB, MIB } from './fixtures.ts';

const s3 = mockClient(S3Client);

function recommendation(name: string, monthlySavingUsd: number): Recommendation {
  return {
    workload: { namespace: 'ingest', kind: 'Deployment', name, container: 'main' },
    replicas: 2,
    current: { requests: { cpuCores: 1, memoryBytes: 2 * GIB }, limits: { memoryBytes: 4 * GIB } },
    recommended: { requests: { cpuCores: 0.25, memoryBytes: 512 * MIB }, limits: { memoryBytes: 640 * MIB } },
    confidence: 'high',
    evidence: {
      historyHours: 336,
      cpuP95Cores: 0.25,
      cpuP99Cores: 0.3,
      cpuMaxCores: 0.4,
      memoryP99Bytes: 400 * MIB,
      memoryPeakBytes: 460 * MIB,
      oomKills: 0,
      hpaResources: [],
    },
    monthlySavingUsd,
    notes: [],
  };
}

/** 2,000 recommendations: the output a large cluster gets, six times a state's 256 KB. */
const RESULT: RightsizingResult = {
  generatedAt: '2026-11-15T03:00:00.000Z',
  historyDays: 14,
  recommendations: Array.from({ length: 2000 }, (_, index) => recommendation(`app-${index}`, 10.5)),
  skipped: [
    {
      namespace: 'ingest',
      kind: 'Deployment',
      name: 'fresh',
      container: 'main',
      reason: 'insufficient history',
    },
  ],
};

describe('storeRightsizingResult', () => {
  beforeEach(() => s3.reset());

  it('writes the recommendations and the skipped workloads as JSON arrays and returns a small reference', async () => {
    s3.on(PutObjectCommand).resolves({});
    const stored = await storeRightsizingResult(s3 as unknown as S3Client, 'cost-reports', 'exec-42', RESULT);
    expect(stored).toEqual({
      generatedAt: RESULT.generatedAt,
      historyDays: 14,
      monthlySavingUsd: 21_000,
      recommendations: {
        bucket: 'cost-reports',
        key: 'rightsizing/exec-42/recommendations.json',
        count: 2000,
      },
      skipped: { bucket: 'cost-reports', key: 'rightsizing/exec-42/skipped.json', count: 1 },
    });
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    const body = String(puts.find((put) => put.Key?.endsWith('recommendations.json'))?.Body);
    expect(Buffer.byteLength(body)).toBeGreaterThan(256 * 1024);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(1024);
    expect(JSON.parse(body)).toHaveLength(2000);
  });
});

describe('loadRightsizingResult', () => {
  beforeEach(() => s3.reset());
  const body = (text: string) => ({ transformToString: async () => text }) as never;
  const stored = {
    generatedAt: RESULT.generatedAt,
    historyDays: 14,
    monthlySavingUsd: 21,
    recommendations: { bucket: 'b', key: 'rightsizing/x/recommendations.json', count: 2 },
    skipped: { bucket: 'b', key: 'rightsizing/x/skipped.json', count: 1 },
  };

  it('reads a stored run back, checked against the contract', async () => {
    s3.on(GetObjectCommand, { Key: stored.recommendations.key })
      .resolves({ Body: body(JSON.stringify(RESULT.recommendations.slice(0, 2))) })
      .on(GetObjectCommand, { Key: stored.skipped.key })
      .resolves({ Body: body(JSON.stringify(RESULT.skipped)) });
    const loaded = await loadRightsizingResult(s3 as unknown as S3Client, stored);
    expect(loaded.recommendations).toEqual(RESULT.recommendations.slice(0, 2));
    expect(loaded.skipped).toEqual(RESULT.skipped);
  });

  it('names the object and the problem when it is not a list of recommendations', async () => {
    s3.on(GetObjectCommand, { Key: stored.recommendations.key })
      .resolves({ Body: body('[{"workload": {}}]') })
      .on(GetObjectCommand, { Key: stored.skipped.key })
      .resolves({ Body: body('[]') });
    const failure = loadRightsizingResult(s3 as unknown as S3Client, stored);
    await expect(failure).rejects.toThrow(ObjectStoreError);
    await expect(failure).rejects.toThrow(
      'b/rightsizing/x/recommendations.json is not a list of recommendations',
    );
  });
});
