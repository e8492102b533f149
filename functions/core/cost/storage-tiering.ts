import type { LifecycleRule } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { parseJsonVariable } from '../../commons/json-variable.ts';

/**
 * Storage tiering of the lakehouse's MinIO buckets (issue 6, item 5), as S3 lifecycle rules that the
 * provision workflow's ensure-minio-buckets reconciles with the data buckets' own rules:
 * - `expire`: scratch and temporary prefixes whose objects are deleted after some days (a flow's
 *   intermediate files, s5cmd staging). Noncurrent versions of them go with the bucket's own rule.
 * - `transitions`: old partitions moved to a MinIO remote tier (`mc admin tier add`), named as the
 *   rule's StorageClass. MinIO refuses a rule naming a tier it does not have, so a transition is
 *   configured only where the operators created that tier; none by default.
 * MinIO applies the rules itself (its scanner), so nothing here lists or deletes objects.
 */
const days = () => z.number().check(z.int(), z.positive());
const prefix = () =>
  z
    .string()
    .check(z.regex(/^[^/].*\/$/, { message: 'expected a key prefix ending in "/", without a leading "/"' }));

export const expiryRuleSchema = z.object({
  /** One data bucket, or every data bucket when absent. */
  bucket: z.optional(z.string().check(z.minLength(3))),
  prefix: prefix(),
  days: days(),
});

export const transitionRuleSchema = z.object({
  bucket: z.optional(z.string().check(z.minLength(3))),
  prefix: prefix(),
  days: days(),
  /** The MinIO remote tier's name (upper case, as `mc admin tier add` registers it). */
  tier: z.string().check(z.regex(/^[A-Z0-9_-]{1,64}$/, { message: 'expected a MinIO tier name' })),
});

export const minioStorageTieringSchema = z.object({
  expire: z._default(z.array(expiryRuleSchema), []),
  transitions: z._default(z.array(transitionRuleSchema), []),
});
export type MinioStorageTiering = z.output<typeof minioStorageTieringSchema>;

export const NO_STORAGE_TIERING: MinioStorageTiering = { expire: [], transitions: [] };

/** A rule ID from its kind and prefix: stable, so a second reconcile finds it unchanged. */
function ruleId(kind: string, rulePrefix: string): string {
  return `${kind}-${rulePrefix.replace(/\/$/, '').replaceAll('/', '-')}`;
}

/** The tiering rules that apply to `bucket`, in configuration order. */
export function tieringRules(tiering: MinioStorageTiering, bucket: string): LifecycleRule[] {
  const forBucket = <Rule extends { bucket?: string | undefined }>(rules: readonly Rule[]) =>
    rules.filter((rule) => rule.bucket === undefined || rule.bucket === bucket);
  return [
    ...forBucket(tiering.expire).map(
      (rule): LifecycleRule => ({
        ID: ruleId('expire', rule.prefix),
        Status: 'Enabled',
        Filter: { Prefix: rule.prefix },
        Expiration: { Days: rule.days },
      }),
    ),
    ...forBucket(tiering.transitions).map(
      (rule): LifecycleRule => ({
        ID: ruleId('transition', rule.prefix),
        Status: 'Enabled',
        Filter: { Prefix: rule.prefix },
        Transitions: [{ Days: rule.days, StorageClass: rule.tier as never }],
      }),
    ),
  ];
}

/**
 * Problems with a configuration (at synth): a prefix both expired and transitioned (the transition
 * would move what is about to be deleted), the same prefix twice, a rule for a bucket that is not
 * a data bucket.
 */
export function storageTieringProblems(
  tiering: MinioStorageTiering,
  dataBuckets: readonly string[],
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const rules = [
    ...tiering.expire.map((rule) => ({ ...rule, kind: 'expire' })),
    ...tiering.transitions.map((rule) => ({ ...rule, kind: 'transition' })),
  ];
  for (const rule of rules) {
    if (rule.bucket !== undefined && !dataBuckets.includes(rule.bucket)) {
      problems.push(
        `${rule.kind} ${rule.prefix}: bucket ${rule.bucket} is not a data bucket (${dataBuckets.join(', ')})`,
      );
    }
    for (const bucket of rule.bucket === undefined ? dataBuckets : [rule.bucket]) {
      const key = `${bucket}/${rule.prefix}`;
      const earlier = seen.get(key);
      if (earlier) problems.push(`${key} has both an ${earlier} and a ${rule.kind} rule`);
      seen.set(key, rule.kind);
    }
  }
  return problems;
}

/** MINIO_STORAGE_TIERING: the configuration's tiering as JSON; none when unset. */
export function parseStorageTiering(json: string | undefined): MinioStorageTiering {
  if (json === undefined) return NO_STORAGE_TIERING;
  return parseJsonVariable(
    'MINIO_STORAGE_TIERING',
    json,
    minioStorageTieringSchema,
    'a storage tiering configuration',
  );
}
