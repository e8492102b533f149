import type { ClusterEnvironment } from './environments.ts';
import { SECRETS } from './external-secrets.ts';
import { labelsOfSelector, platformIdentities, postgresLocation } from './identities.ts';
import { IMAGE_UIDS, IMAGES } from './images.ts';
import type { Manifest } from './manifest.ts';
import { httpServing, scratch, secretEnv } from './pods.ts';
import { onComputePool, onSystemPool, spreadOnPool } from './scheduling.ts';
import { resourcesFor, tierSizes } from './sizing.ts';
import { deployment, podDisruptionBudget, service, serviceAccount } from './workloads.ts';

export const PREFECT_API_PORT = 4200;
const WORKER_HEALTH_PORT = 8080;
/** The work pool the spot workers serve; its base job template (in Prefect) targets the compute pool too. */
export const PREFECT_WORK_POOL = 'lakehouse-spot';
/** The service account flow-run pods run as (S3 access through EKS Pod Identity). */
export const FLOW_RUN_SERVICE_ACCOUNT = 'prefect-flow-run';

export function prefectApiUrl(environment: ClusterEnvironment): string {
  const { namespace, serverDeployment } = environment.layout.prefect;
  return `http://${serverDeployment}.${namespace}.svc.cluster.local:${PREFECT_API_PORT}/api`;
}

function prefectHome() {
  return [scratch('home', '/home/prefect'), scratch('tmp', '/tmp')];
}

/**
 * The Prefect API and UI: the layout's replica count (3), one per node, never more than one
 * evicted at a time. No surge during a rollout: with exactly three system nodes a fourth pod could
 * not be placed, and the rollout would stall.
 */
function prefectServer(environment: ClusterEnvironment): Manifest[] {
  const { namespace, serverReplicas } = environment.layout.prefect;
  const identity = platformIdentities(environment).prefectServer;
  const writable = prefectHome();
  return [
    serviceAccount(identity, namespace, identity.instance),
    deployment({
      identity,
      namespace,
      replicas: serverReplicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      uid: IMAGE_UIDS.prefect,
      serviceAccountName: identity.instance,
      placement: spreadOnPool(onSystemPool(), identity),
      volumes: writable.map((path) => path.volume),
      containers: [
        {
          name: 'prefect-server',
          image: IMAGES.prefect,
          args: ['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', String(PREFECT_API_PORT)],
          env: [
            { name: 'HOME', value: '/home/prefect' },
            { name: 'PREFECT_HOME', value: '/home/prefect' },
            secretEnv('PREFECT_API_DATABASE_CONNECTION_URL', SECRETS.prefectDatabase, 'connection-url'),
          ],
          ...httpServing('http-api', PREFECT_API_PORT, { ready: '/api/health', startupSeconds: 30 }),
          resources: resourcesFor(environment.tier, 'prefectServer'),
          volumeMounts: writable.map((path) => path.mount),
        },
      ],
    }),
    service(identity, namespace, { 'http-api': PREFECT_API_PORT }),
    podDisruptionBudget(identity, namespace),
  ];
}

/**
 * Workers poll the work pool and create a Job per flow run. They are interruptible (a reclaimed
 * worker's runs are picked up again), so they run on the spot compute pool. One worker version at
 * a time (Recreate): during a rolling update old and new workers would poll the same pool and run
 * flows with different images.
 */
function prefectWorkers(environment: ClusterEnvironment): Manifest[] {
  const { namespace, workerSelector } = environment.layout.prefect;
  const identity = platformIdentities(environment).prefectWorker;
  const replicas = tierSizes(environment.tier).prefectWorkerReplicas;
  const writable = prefectHome();
  const worker = deployment({
    identity,
    namespace,
    replicas,
    strategy: { type: 'Recreate' },
    uid: IMAGE_UIDS.prefect,
    serviceAccountName: identity.instance,
    // The worker creates and watches the flow-run Jobs through the Kubernetes API.
    mountServiceAccountToken: true,
    placement: spreadOnPool(onComputePool(), identity),
    volumes: writable.map((path) => path.volume),
    containers: [
      {
        name: 'worker',
        image: IMAGES.prefect,
        args: [
          'prefect',
          'worker',
          'start',
          '--type',
          'kubernetes',
          '--pool',
          PREFECT_WORK_POOL,
          '--with-healthcheck',
        ],
        env: [
          { name: 'HOME', value: '/home/prefect' },
          { name: 'PREFECT_HOME', value: '/home/prefect' },
          { name: 'PREFECT_API_URL', value: prefectApiUrl(environment) },
          { name: 'PREFECT_WORKER_WEBSERVER_HOST', value: '0.0.0.0' },
          { name: 'PREFECT_WORKER_WEBSERVER_PORT', value: String(WORKER_HEALTH_PORT) },
        ],
        ...httpServing('http-health', WORKER_HEALTH_PORT, { ready: '/health', startupSeconds: 30 }),
        resources: resourcesFor(environment.tier, 'prefectWorker'),
        volumeMounts: writable.map((path) => path.mount),
      },
    ],
  });
  // validate-platform finds worker Deployments by the layout's selector: make sure they match it.
  worker.metadata.labels = { ...worker.metadata.labels, ...labelsOfSelector(workerSelector) };
  return [
    serviceAccount(identity, namespace, identity.instance),
    serviceAccount(
      { ...identity, component: 'flow-run', instance: FLOW_RUN_SERVICE_ACCOUNT },
      namespace,
      FLOW_RUN_SERVICE_ACCOUNT,
    ),
    worker,
    ...(replicas > 1 ? [podDisruptionBudget(identity, namespace)] : []),
  ];
}

export function prefect(environment: ClusterEnvironment): Manifest[] {
  return [...prefectServer(environment), ...prefectWorkers(environment)];
}

/** The backup Jobs' service account (config backup.postgres.serviceAccountName), beside the database. */
export function pgDumpServiceAccount(environment: ClusterEnvironment): Manifest {
  const { namespace } = postgresLocation(environment);
  const name = environment.backup.postgres.serviceAccountName;
  return serviceAccount({ app: 'pg-tools', component: 'backup', instance: name }, namespace, name);
}
