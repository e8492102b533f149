/**
 * The metadata this folder writes: a plain shape that both client-node's V1ObjectMeta and the CRD
 * packages' ObjectMeta accept (they disagree on the types of server-set fields such as timestamps).
 */
export interface PlainMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Everything in this folder is part of the lakehouse and applied by lakehouse-ops' provision workflow. */
export const PART_OF = 'lakehouse';
export const MANAGED_BY = 'lakehouse-ops';

/** What a workload is: `app.kubernetes.io/name` (the application) and its component. */
export interface AppIdentity {
  readonly app: string;
  readonly component: string;
  /** `app.kubernetes.io/instance`: the workload's own name, unique within its namespace. */
  readonly instance: string;
}

/** The Kubernetes recommended labels, the same set local/lakehouse/seed puts on its objects. */
export function recommendedLabels({ app, component, instance }: AppIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/**
 * The labels a workload selects its pods by. Only name and instance: a selector is immutable, so it
 * must not contain anything that may change (a component rename would make the object unappliable).
 */
export function selectorLabels({ app, instance }: AppIdentity): Record<string, string> {
  return { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': instance };
}

export function objectMeta(
  identity: AppIdentity,
  name: string,
  namespace: string,
  extra: Pick<PlainMeta, 'annotations'> = {},
): PlainMeta & { namespace: string } {
  return { name, namespace, labels: recommendedLabels(identity), ...extra };
}

/** Metadata for cluster-scoped or platform-wide objects that belong to no single workload. */
export function platformMeta(name: string, namespace?: string): PlainMeta {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY },
  };
}
