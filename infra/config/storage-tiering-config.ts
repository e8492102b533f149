import { z } from 'zod';
import {
  minioStorageTieringSchema,
  storageTieringProblems,
} from '../../functions/core/cost/storage-tiering.ts';

/**
 * Storage tiering (issue 6, item 5), per environment:
 * - `minio`: lifecycle rules on the MinIO data buckets, reconciled by provision's
 *   ensure-minio-buckets (functions/core/cost/storage-tiering.ts). By default the scratch and
 *   temporary prefixes expire; transitions need a MinIO tier, so there are none by default.
 * - `drBucket`: the DR-region backup bucket's objects move to Standard-IA, then to Glacier Instant
 *   Retrieval. Instant Retrieval, not Flexible or Deep Archive: verify-backup re-reads samples and
 *   restore and dr-failover read any object at once; an archive tier that needs a restore request
 *   first would break both and the RTO. Objects under 128 KiB (manifests, small files) stay where
 *   they are: S3 bills them as 128 KiB in the infrequent tiers.
 */
const DEFAULT_MINIO_EXPIRY = [
  { prefix: 'scratch/', days: 7 },
  { prefix: 'tmp/', days: 2 },
];

/** S3 moves an object to Standard-IA no earlier than 30 days after its creation. */
const MIN_INFREQUENT_ACCESS_DAYS = 30;

export const storageTieringConfigSchema = z
  .object({
    minio: z.prefault(minioStorageTieringSchema, { expire: DEFAULT_MINIO_EXPIRY }),
    drBucket: z
      .object({
        infrequentAccessAfterDays: z.number().int().min(MIN_INFREQUENT_ACCESS_DAYS).default(30),
        archiveAfterDays: z.number().int().positive().default(90),
      })
      .prefault({})
      .refine((tiers) => tiers.archiveAfterDays >= tiers.infrequentAccessAfterDays + 30, {
        message: 'archiveAfterDays must be at least 30 days after infrequentAccessAfterDays',
        path: ['archiveAfterDays'],
      }),
  })
  .prefault({});

export type StorageTieringConfig = z.output<typeof storageTieringConfigSchema>;

/** Cross-field checks against the data buckets (called from the environment schema). */
export function storageTieringConfigProblems(
  config: StorageTieringConfig,
  dataBuckets: readonly string[],
): string[] {
  return storageTieringProblems(config.minio, dataBuckets);
}
