import type { V1ConfigMap } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { namespacedResource } from '../../../commons/kubernetes/resources.ts';
import { safeParseWithMessages } from '../../../commons/schema-problems.ts';
import { FIELD_MANAGER } from '../../provision/apply.ts';
import { DrDatabaseInUseError } from './errors.ts';

/**
 * Which dump the DR database holds, and for which failover, as a ConfigMap beside the database in
 * the DR cluster. Written before the restore Job starts (RESTORING: the dump is chosen once, so a
 * re-run resumes the same Job even if a newer dump appeared meanwhile) and after it (RESTORED).
 * It lives in the DR cluster because that is what it describes: any failover execution, journal or
 * not, reads the same answer there.
 */
export const RESTORE_RECORD_NAME = 'lakehouse-ops-dr-restore';

const configMaps = namespacedResource<V1ConfigMap>('v1', 'configmaps', 'configmap');

const restoreRecordSchema = z.object({
  failoverId: z.string(),
  state: z.enum(['RESTORING', 'RESTORED']),
  dumpBucket: z.string(),
  dumpKey: z.string(),
  job: z.optional(z.string()),
  verdict: z.optional(z.enum(['MATCH', 'MISMATCH'])),
  restoredAt: z.optional(z.string()),
});
export type RestoreRecord = z.output<typeof restoreRecordSchema>;

export async function readRestoreRecord(
  kubernetes: KubernetesApi,
  namespace: string,
): Promise<RestoreRecord | undefined> {
  const found = await kubernetes.get(configMaps.named(namespace, RESTORE_RECORD_NAME));
  if (!found) return undefined;
  const parsed = safeParseWithMessages(restoreRecordSchema, found.data ?? {});
  if (!parsed.success) {
    throw new DrDatabaseInUseError(
      `configmap ${namespace}/${RESTORE_RECORD_NAME} is not a restore record lakehouse-ops wrote: the DR database's origin is unknown, so it is not restored over`,
      { namespace, data: found.data },
    );
  }
  return parsed.data;
}

export async function writeRestoreRecord(
  kubernetes: KubernetesApi,
  namespace: string,
  record: RestoreRecord,
): Promise<void> {
  const data = Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
  await kubernetes.apply(
    configMaps.named(namespace, RESTORE_RECORD_NAME),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: RESTORE_RECORD_NAME,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'lakehouse-ops' },
      },
      data,
    },
    { fieldManager: FIELD_MANAGER, force: true },
  );
}

/** A record of another failover means its restore owns the database: nothing is restored over it. */
export function requireOwnRecord(record: RestoreRecord | undefined, failoverId: string, namespace: string) {
  if (!record || record.failoverId === failoverId) return record;
  throw new DrDatabaseInUseError(
    `the DR database is ${record.state === 'RESTORED' ? 'restored' : 'being restored'} from s3://${record.dumpBucket}/${record.dumpKey} by failover ${record.failoverId}, not ${failoverId}: a restore never writes over a database; reset the DR database and delete configmap ${namespace}/${RESTORE_RECORD_NAME} first`,
    { failoverId, record },
  );
}
