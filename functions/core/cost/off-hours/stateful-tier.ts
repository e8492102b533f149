import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { PlatformLayout } from '../../platform/layout.ts';
import { isMarkedKeep, OFF_HOURS_ANNOTATION } from './annotations.ts';

/**
 * What off-hours never scales down: the stateful tier, and anything people annotated
 * `lakehouse-ops.io/off-hours: keep`. The stateful tier is recognised three ways, any one enough,
 * so a renamed object or an extra replica set of it is still protected:
 * - by the platform layout: the Prefect server Deployment, the MinIO StatefulSet;
 * - by namespace: everything in the MinIO namespace;
 * - by the recommended label `app.kubernetes.io/name` (cluster-manifests and the Prefect chart set
 *   it): `minio`, `postgresql`, or `prefect` with `app.kubernetes.io/component: server`.
 */
export const STATEFUL_APPS = ['minio', 'postgresql'] as const;
const APP_LABEL = 'app.kubernetes.io/name';
const COMPONENT_LABEL = 'app.kubernetes.io/component';

export interface ObjectIdentity {
  readonly kind: string;
  readonly metadata?: V1ObjectMeta;
}

export function statefulTierReason(
  { kind, metadata }: ObjectIdentity,
  layout: PlatformLayout,
): string | undefined {
  const namespace = metadata?.namespace ?? '';
  const name = metadata?.name ?? '';
  const labels = metadata?.labels ?? {};
  const { prefect, minio } = layout;
  if (kind === 'Deployment' && namespace === prefect.namespace && name === prefect.serverDeployment)
    return 'stateful tier: the Prefect server';
  if (namespace === minio.namespace) return 'stateful tier: MinIO';
  const app = labels[APP_LABEL];
  if (app !== undefined && (STATEFUL_APPS as readonly string[]).includes(app)) return `stateful tier: ${app}`;
  if (app === 'prefect' && labels[COMPONENT_LABEL] === 'server') return 'stateful tier: the Prefect server';
  return undefined;
}

/** Why the object stays awake, or undefined when it sleeps. */
export function keepReason(object: ObjectIdentity, layout: PlatformLayout): string | undefined {
  return (
    statefulTierReason(object, layout) ??
    (isMarkedKeep(object.metadata) ? `annotated ${OFF_HOURS_ANNOTATION}: keep` : undefined)
  );
}
