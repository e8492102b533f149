import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { ObjectStoreError } from '../../../commons/errors.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { type Recommendation, recommendationSchema, WORKLOAD_KINDS } from '../recommendation.ts';
import type { RightsizingResult } from './recommend.ts';
import type { SkippedWorkload } from './workloads.ts';

/**
 * Where a right-sizing run's output lives. 2,000 workloads make about 1.5 MB of recommendations,
 * six times what a Step Functions state may carry (256 KB), so the recommendations and the skipped
 * workloads are written to S3 as two JSON arrays (what a Distributed Map's ItemReader reads) and
 * the step returns where they are, with counts and the total saving for the workflow's choices.
 * The key is per run (the execution's name when given), so a retried step overwrites its own output.
 */
export interface StoredList {
  bucket: string;
  key: string;
  count: number;
}

export interface StoredRightsizingResult {
  generatedAt: string;
  historyDays: number;
  /** Sum of the recommendations' monthly savings (negative ones included). */
  monthlySavingUsd: number;
  recommendations: StoredList;
  skipped: StoredList;
}

export const RESULT_PREFIX = 'rightsizing';

export const skippedWorkloadSchema = z.object({
  namespace: z.string(),
  kind: z.enum(WORKLOAD_KINDS),
  name: z.string(),
  container: z.optional(z.string()),
  reason: z.string(),
});

async function putJson(s3: S3Client, bucket: string, key: string, value: unknown[]): Promise<StoredList> {
  await callAws(`s3:PutObject ${bucket}/${key}`, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    ),
  );
  return { bucket, key, count: value.length };
}

export async function storeRightsizingResult(
  s3: S3Client,
  bucket: string,
  runId: string,
  result: RightsizingResult,
): Promise<StoredRightsizingResult> {
  const prefix = `${RESULT_PREFIX}/${runId}`;
  const [recommendations, skipped] = await Promise.all([
    putJson(s3, bucket, `${prefix}/recommendations.json`, result.recommendations),
    putJson(s3, bucket, `${prefix}/skipped.json`, result.skipped),
  ]);
  const saving = result.recommendations.reduce(
    (sum, recommendation) => sum + recommendation.monthlySavingUsd,
    0,
  );
  return {
    generatedAt: result.generatedAt,
    historyDays: result.historyDays,
    monthlySavingUsd: Math.round(saving * 100) / 100,
    recommendations,
    skipped,
  };
}

async function getJson<Schema extends z.core.$ZodType>(
  s3: S3Client,
  list: StoredList,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>[]> {
  const text = await callAws(`s3:GetObject ${list.bucket}/${list.key}`, async () => {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: list.bucket, Key: list.key }));
    return (await Body?.transformToString('utf8')) ?? '';
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ObjectStoreError(`${list.bucket}/${list.key} is not JSON: ${(error as Error).message}`, {
      ...list,
    });
  }
  const parsed = z.safeParse(z.array(schema), json);
  if (!parsed.success) {
    throw new ObjectStoreError(`${list.bucket}/${list.key} is not a list of ${what}`, {
      ...list,
      issues: parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    });
  }
  return parsed.data;
}

/** Reads a stored run back (the apply and report steps), checked against the contract's schemas. */
export async function loadRightsizingResult(
  s3: S3Client,
  stored: StoredRightsizingResult,
): Promise<RightsizingResult> {
  const [recommendations, skipped] = await Promise.all([
    getJson(s3, stored.recommendations, recommendationSchema, 'recommendations'),
    getJson(s3, stored.skipped, skippedWorkloadSchema, 'skipped workloads'),
  ]);
  return {
    generatedAt: stored.generatedAt,
    historyDays: stored.historyDays,
    recommendations: recommendations as Recommendation[],
    skipped: skipped as SkippedWorkload[],
  };
}

export const storedListSchema = z.object({
  bucket: z.string().check(z.minLength(3)),
  key: z.string().check(z.minLength(1)),
  count: z.number().check(z.int(), z.nonnegative()),
});

/** The recommend step's output as later steps receive it in their event. */
export const storedRightsizingResultSchema = z.object({
  generatedAt: z.string(),
  historyDays: z.number(),
  monthlySavingUsd: z.number(),
  recommendations: storedListSchema,
  skipped: storedListSchema,
});

/** The recommendations of a stored run (the plan step needs only them). */
export async function loadRecommendations(s3: S3Client, list: StoredList): Promise<Recommendation[]> {
  return (await getJson(s3, list, recommendationSchema, 'recommendations')) as Recommendation[];
}
