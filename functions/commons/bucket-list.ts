import { parseBucketList } from '../core/backup-workflow/request.ts';
import { ConfigurationError } from './errors.ts';

/**
 * BACKUP_SOURCE_BUCKETS as a list: the MinIO buckets the platform backs up and replicates. A bad
 * list is the deployment's fault, not the caller's input: a ConfigurationError naming the variable.
 */
export function sourceBucketsOf(handler: string, env: { BACKUP_SOURCE_BUCKETS: string }): string[] {
  try {
    return parseBucketList(env.BACKUP_SOURCE_BUCKETS);
  } catch (error) {
    const problem = `BACKUP_SOURCE_BUCKETS: ${(error as Error).message}`;
    throw new ConfigurationError(`${handler}: invalid environment: ${problem}`, {
      handler,
      problems: [problem],
    });
  }
}
