import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectStoreError } from '../../../commons/errors.ts';
import { classifyAwsError, httpStatusOf } from '../../../commons/transient-errors.ts';

/**
 * Read-only buckets through a bucket policy: one Deny statement for every principal on the writes
 * (objects put, copied, uploaded in parts, deleted, tagged), added to whatever policy the bucket
 * has so that reads keep working as before. MinIO evaluates bucket policies for every user but its
 * root user, whose requests bypass them: that is why the fence also scales the writers to zero.
 */
export const FENCE_STATEMENT_SID = 'LakehouseOpsDrFence';
/** s3:PutObject covers CreateMultipartUpload, UploadPart, CompleteMultipartUpload and CopyObject. */
export const DENIED_WRITE_ACTIONS = [
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:AbortMultipartUpload',
  's3:PutObjectTagging',
  's3:DeleteObjectTagging',
] as const;

interface PolicyDocument {
  Version?: string;
  Statement?: Record<string, unknown>[] | Record<string, unknown>;
  [field: string]: unknown;
}

export function fenceStatement(bucket: string): Record<string, unknown> {
  return {
    Sid: FENCE_STATEMENT_SID,
    Effect: 'Deny',
    Principal: { AWS: ['*'] },
    Action: [...DENIED_WRITE_ACTIONS],
    Resource: [`arn:aws:s3:::${bucket}/*`],
  };
}

function parsePolicy(bucket: string, policy: string): PolicyDocument {
  try {
    const document = JSON.parse(policy) as unknown;
    if (document && typeof document === 'object' && !Array.isArray(document))
      return document as PolicyDocument;
  } catch {
    // Reported below.
  }
  throw new ObjectStoreError(
    `the policy of bucket ${bucket} is not a JSON policy document: ${policy.slice(0, 200)}`,
    {
      bucket,
    },
  );
}

function statementsOf(document: PolicyDocument): Record<string, unknown>[] {
  const { Statement } = document;
  if (Statement === undefined) return [];
  return Array.isArray(Statement) ? Statement : [Statement];
}

export function hasFenceStatement(bucket: string, policy: string | null): boolean {
  return (
    policy !== null && statementsOf(parsePolicy(bucket, policy)).some((s) => s.Sid === FENCE_STATEMENT_SID)
  );
}

/**
 * The policy without the fence's statement: what the bucket had before any fence. null when
 * nothing is left, so a bucket that had no policy gets none back.
 */
export function withoutFence(bucket: string, policy: string | null): string | null {
  if (policy === null || !hasFenceStatement(bucket, policy)) return policy;
  const document = parsePolicy(bucket, policy);
  const rest = statementsOf(document).filter((statement) => statement.Sid !== FENCE_STATEMENT_SID);
  return rest.length === 0 ? null : JSON.stringify({ ...document, Statement: rest });
}

export function withFence(bucket: string, original: string | null): string {
  const document = original === null ? { Version: '2012-10-17' } : parsePolicy(bucket, original);
  return JSON.stringify({
    ...document,
    Version: document.Version ?? '2012-10-17',
    Statement: [...statementsOf(document), fenceStatement(bucket)],
  });
}

/** Same statements, whatever the endpoint did to whitespace and key order. */
export function samePolicy(bucket: string, left: string | null, right: string | null): boolean {
  if (left === null || right === null) return left === right;
  const canonical = (policy: string) => JSON.stringify(sortKeys(parsePolicy(bucket, policy)));
  return canonical(left) === canonical(right);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, sortKeys(item)]),
    );
  return value;
}

/** The endpoint has no bucket policies (s3rver answers 405 to reads and 501 to writes). */
export const UNSUPPORTED = Symbol('unsupported');

function isUnsupported(error: unknown): boolean {
  const status = httpStatusOf(error);
  const name = (error as Error | undefined)?.name;
  return name === 'NotImplemented' || name === 'MethodNotAllowed' || status === 501 || status === 405;
}

async function policyCall<Result>(
  operation: string,
  call: () => Promise<Result>,
): Promise<Result | typeof UNSUPPORTED> {
  try {
    return await call();
  } catch (error) {
    // Before classification: a 501 is a permanent answer, not a server error worth a retry.
    if (isUnsupported(error)) return UNSUPPORTED;
    throw classifyAwsError(error, operation);
  }
}

export interface BucketPolicies {
  /** Any HTTP answer for the bucket (even 403 or 404) proves the endpoint is up. */
  probe(bucket: string): Promise<void>;
  read(bucket: string): Promise<string | null | typeof UNSUPPORTED>;
  write(bucket: string, policy: string): Promise<undefined | typeof UNSUPPORTED>;
  remove(bucket: string): Promise<undefined | typeof UNSUPPORTED>;
}

/** `client` is asked for on every call: building it reads the credentials, which needs the region up too. */
export function s3BucketPolicies(client: () => Promise<S3Client>, probeTimeoutMs: number): BucketPolicies {
  return {
    async probe(bucket) {
      const s3 = await client();
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }), {
          abortSignal: AbortSignal.timeout(probeTimeoutMs),
        });
      } catch (error) {
        const status = httpStatusOf(error);
        if (status !== undefined && status < 500 && status !== 429) return;
        throw classifyAwsError(error, `s3:HeadBucket ${bucket}`);
      }
    },
    read: (bucket) =>
      policyCall(`s3:GetBucketPolicy ${bucket}`, async () => {
        const s3 = await client();
        try {
          const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
          return Policy ?? null;
        } catch (error) {
          if ((error as Error).name === 'NoSuchBucketPolicy') return null;
          throw error;
        }
      }),
    write: (bucket, policy) =>
      policyCall(`s3:PutBucketPolicy ${bucket}`, async () => {
        await (await client()).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
        return undefined;
      }),
    remove: (bucket) =>
      policyCall(`s3:DeleteBucketPolicy ${bucket}`, async () => {
        await (await client()).send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
        return undefined;
      }),
  };
}
