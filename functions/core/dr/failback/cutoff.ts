import { type JournalTable, readJournal } from '../failover/journal.ts';
import { savedBucketsSchema } from '../fence/buckets-step.ts';
import { type FenceTable, readFenceRecord } from '../fence/fence-store.ts';

/**
 * The moment after which MinIO's objects are not the failover's starting point (./object-resync.ts):
 * when the primary's buckets were fenced, or, when they never were (the primary was lost), when
 * the failover opened. Any MinIO write after it was not seen by the DR side.
 */
export interface FailbackCutoff {
  readonly at: string;
  readonly basis: 'primary buckets fenced' | 'failover opened';
}

export async function failbackCutoff(
  table: FenceTable & JournalTable,
  environment: string,
  failoverId: string,
): Promise<FailbackCutoff> {
  const fence = await readFenceRecord(
    table,
    { environment, failoverId, side: 'primary' },
    'buckets',
    savedBucketsSchema,
  );
  if (fence?.fencedAt) return { at: fence.fencedAt, basis: 'primary buckets fenced' };
  const { run } = await readJournal(table, environment, failoverId);
  return { at: run.openedAt, basis: 'failover opened' };
}
