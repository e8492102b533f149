import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { describeSchemaProblems, safeParseWithMessages } from '../../commons/schema-problems.ts';
import { callAws } from '../../commons/transient-errors.ts';
import { DumpIncompleteError } from './errors.ts';
import type { S3Location } from './job-spec.ts';

/**
 * The JSON objects the pg-tools Jobs write next to a dump (scripts.ts builds them), read back and
 * checked by the Lambdas.
 */

const sha256Schema = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'));
const rowCountsSchema = z.record(z.string(), z.number().check(z.int(), z.nonnegative()));

/** Rows per table (`schema.table`), counted in the dump's own snapshot. */
export type RowCounts = z.infer<typeof rowCountsSchema>;

/** What both Jobs record: which dump, its SHA-256, the row counts they saw, and when. */
const jobRecordShape = {
  bucket: z.string(),
  key: z.string(),
  sha256: sha256Schema,
  rowCounts: rowCountsSchema,
  startedAt: z.string(),
  completedAt: z.string(),
};

export const dumpSidecarSchema = z.object({
  ...jobRecordShape,
  format: z.literal('lakehouse-ops/pg-dump@1'),
  database: z.string(),
  bytes: z.number().check(z.int(), z.nonnegative()),
  pgDumpVersion: z.string(),
});
export type DumpSidecar = z.infer<typeof dumpSidecarSchema>;

export const restoreReportSchema = z.object({
  ...jobRecordShape,
  format: z.literal('lakehouse-ops/pg-restore@1'),
  targetDatabase: z.string(),
  droppedAfterCounting: z.boolean(),
});
export type RestoreReport = z.infer<typeof restoreReportSchema>;

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** Reads and validates one JSON object; missing or malformed is a DumpIncompleteError. */
export async function readJsonObject<Schema extends z.core.$ZodType>(
  s3: S3Client,
  { bucket, key }: S3Location,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>> {
  const location = `s3://${bucket}/${key}`;
  let text: string;
  try {
    const object = await callAws(`s3:GetObject ${location}`, () =>
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
    );
    text = (await object.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if (!isMissing(error)) throw error;
    throw new DumpIncompleteError(`the ${what} ${location} does not exist`, { bucket, key });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DumpIncompleteError(`the ${what} ${location} is not JSON: ${text.slice(0, 120)}`, {
      bucket,
      key,
    });
  }
  const result = safeParseWithMessages(schema, parsed);
  if (!result.success) {
    const problems = describeSchemaProblems(result.error.issues, { showInput: true });
    throw new DumpIncompleteError(`the ${what} ${location} is not valid: ${problems.join('; ')}`, {
      bucket,
      key,
      problems,
    });
  }
  return result.data;
}

/** The dump object must exist with the sidecar's size and sha256 metadata (a cheap HEAD, no download). */
export async function checkDumpObject(s3: S3Client, sidecar: DumpSidecar): Promise<void> {
  const location = `s3://${sidecar.bucket}/${sidecar.key}`;
  let head: { ContentLength?: number; Metadata?: Record<string, string> };
  try {
    head = await callAws(`s3:HeadObject ${location}`, () =>
      s3.send(new HeadObjectCommand({ Bucket: sidecar.bucket, Key: sidecar.key })),
    );
  } catch (error) {
    if (!isMissing(error)) throw error;
    throw new DumpIncompleteError(`the dump ${location} named by its sidecar does not exist`, {
      bucket: sidecar.bucket,
      key: sidecar.key,
    });
  }
  const problems = [
    head.ContentLength === sidecar.bytes
      ? ''
      : `it has ${head.ContentLength} bytes, the sidecar says ${sidecar.bytes}`,
    head.Metadata?.sha256 === sidecar.sha256
      ? ''
      : `its sha256 metadata is ${head.Metadata?.sha256 ?? 'missing'}, the sidecar says ${sidecar.sha256}`,
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new DumpIncompleteError(`the dump ${location} disagrees with its sidecar: ${problems.join('; ')}`, {
      bucket: sidecar.bucket,
      key: sidecar.key,
      problems,
    });
  }
}
