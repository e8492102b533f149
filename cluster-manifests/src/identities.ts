import type { ClusterEnvironment } from './environments.ts';
import type { AppIdentity } from './metadata.ts';

/**
 * Who is who on the cluster: every workload's identity (labels and name), from the platform layout
 * where validate-platform looks for it. NetworkPolicies, PodDisruptionBudgets and RBAC all select
 * through these, so a rename cannot leave a policy pointing at nothing.
 */
export interface PlatformIdentities {
  readonly prefectServer: AppIdentity;
  readonly prefectWorker: AppIdentity;
  readonly postgresql: AppIdentity;
  readonly minio: AppIdentity;
  readonly s5cmd: AppIdentity;
  readonly prometheus: AppIdentity;
  readonly alertmanager: AppIdentity;
  readonly grafana: AppIdentity;
  readonly kubeStateMetrics: AppIdentity;
}

/** `app.kubernetes.io/name` of the pg_dump / pg_restore Job pods (functions/core/postgres/manifests.ts). */
export const PG_TOOLS_APP = 'pg-tools';
/** Prefect's Kubernetes worker labels every flow-run pod with it. */
export const FLOW_RUN_LABEL = 'prefect.io/flow-run-id';

export function platformIdentities(environment: ClusterEnvironment): PlatformIdentities {
  const { prefect, minio, s5cmd, monitoring } = environment.layout;
  return {
    prefectServer: { app: 'prefect', component: 'server', instance: prefect.serverDeployment },
    prefectWorker: { app: 'prefect', component: 'prefect-worker', instance: 'prefect-worker' },
    postgresql: { app: 'postgresql', component: 'database', instance: postgresLocation(environment).service },
    minio: { app: 'minio', component: 'object-store', instance: minio.statefulSet },
    s5cmd: { app: 's5cmd', component: 'transfer', instance: s5cmd.jobTemplateCronJob },
    prometheus: { app: 'prometheus', component: 'monitoring', instance: monitoring.prometheusStatefulSet },
    alertmanager: {
      app: 'alertmanager',
      component: 'monitoring',
      instance: monitoring.alertmanagerStatefulSet,
    },
    grafana: { app: 'grafana', component: 'monitoring', instance: monitoring.grafanaDeployment },
    kubeStateMetrics: { app: 'kube-state-metrics', component: 'monitoring', instance: 'kube-state-metrics' },
  };
}

/**
 * Where the Prefect PostgreSQL is, from the backup settings the dump Jobs connect with
 * (`backup.postgres.host` is `<service>.<namespace>.svc`): the Service must be exactly there.
 */
export function postgresLocation(environment: ClusterEnvironment): {
  service: string;
  namespace: string;
  passwordSecret: { name: string; key: string };
} {
  const { host, namespace, passwordSecret } = environment.backup.postgres;
  const [service, hostNamespace] = host.split('.');
  if (!service || hostNamespace !== namespace) {
    throw new Error(
      `backup.postgres.host "${host}" must be "<service>.${namespace}.svc" (the PostgreSQL Service in backup.postgres.namespace "${namespace}")`,
    );
  }
  if (namespace !== environment.layout.prefect.namespace) {
    throw new Error(
      `backup.postgres.namespace "${namespace}" must be the Prefect namespace "${environment.layout.prefect.namespace}": the database runs beside the Prefect server`,
    );
  }
  const [name = '', key = ''] = passwordSecret.split('/');
  return { service, namespace, passwordSecret: { name, key } };
}

/**
 * The labels an equality-based selector (`a=b,c=d`) requires, so that the objects it must find
 * carry them. Set-based selectors cannot be turned into labels, so they are refused.
 */
export function labelsOfSelector(selector: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const term of selector.split(',')) {
    const match = /^\s*([^=!\s()]+)\s*==?\s*([^=!\s()]*)\s*$/.exec(term);
    if (!match?.[1]) {
      throw new Error(
        `selector term "${term}" of "${selector}" is not "key=value": the manifests can only satisfy equality selectors`,
      );
    }
    labels[match[1]] = match[2] ?? '';
  }
  return labels;
}
