import type { ClusterEnvironment } from './environments.ts';
import { platformIdentities, postgresLocation } from './identities.ts';
import { IMAGE_UIDS, IMAGES } from './images.ts';
import type { Manifest } from './manifest.ts';
import { execProbe, scratch } from './pods.ts';
import { onStoragePool } from './scheduling.ts';
import { resourcesFor, tierSizes } from './sizing.ts';
import { STORAGE_CLASSES } from './storage.ts';
import { headlessService, service, serviceAccount, statefulSet } from './workloads.ts';

export const POSTGRES_PORT = 5432;

/**
 * Prefect's PostgreSQL: one instance on the storage pool, its volume snapshotted by AWS Backup and
 * dumped by the backup workflow's pg_dump Job (which connects to the Service named in
 * backup.postgres.host). A single replica, so no PodDisruptionBudget: a drain restarts it on another
 * storage node (the EBS volume follows within its zone), which the Prefect server rides out.
 */
export function postgresql(environment: ClusterEnvironment): Manifest[] {
  const { namespace, passwordSecret } = postgresLocation(environment);
  const { user, database } = environment.backup.postgres;
  const identity = platformIdentities(environment).postgresql;
  const writable = [scratch('run', '/var/run/postgresql', '64Mi'), scratch('tmp', '/tmp')];
  const restored = environment.prefectDatabase === 'restored';
  // A restored database does not exist until the restore Job creates it; the server is ready before.
  const probeDatabase = restored ? 'postgres' : database;
  const ready = ['pg_isready', '--host', '127.0.0.1', '--username', user, '--dbname', probeDatabase];
  return [
    serviceAccount(identity, namespace, identity.instance),
    statefulSet({
      identity,
      namespace,
      replicas: 1,
      uid: IMAGE_UIDS.postgresql,
      serviceAccountName: identity.instance,
      placement: onStoragePool(),
      // Time for a clean shutdown checkpoint instead of crash recovery on the next start.
      terminationGracePeriodSeconds: 120,
      volumes: writable.map((path) => path.volume),
      claims: [
        {
          name: 'data',
          storage: tierSizes(environment.tier).postgresqlStorage,
          storageClassName: STORAGE_CLASSES.backedUp,
        },
      ],
      containers: [
        {
          name: 'postgresql',
          image: IMAGES.postgresql,
          env: [
            { name: 'POSTGRES_USER', value: user },
            // The restore refuses a database that exists, so a restored one must not be created empty first.
            ...(restored ? [] : [{ name: 'POSTGRES_DB', value: database }]),
            { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: passwordSecret } },
            // A subdirectory: the volume's root holds lost+found, which initdb refuses.
            { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
          ],
          ports: [{ name: 'tcp-postgresql', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
          resources: resourcesFor(environment.tier, 'postgresql'),
          readinessProbe: execProbe(ready),
          livenessProbe: { ...execProbe(ready, 20), initialDelaySeconds: 60 },
          volumeMounts: [
            { name: 'data', mountPath: '/var/lib/postgresql/data' },
            ...writable.map((path) => path.mount),
          ],
        },
      ],
    }),
    service(identity, namespace, { 'tcp-postgresql': POSTGRES_PORT }),
    headlessService(identity, namespace, { 'tcp-postgresql': POSTGRES_PORT }),
  ];
}
