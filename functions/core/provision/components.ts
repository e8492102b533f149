import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import type { PlatformLayout } from '../platform/layout.ts';

/**
 * What an operator can provision on its own. `infrastructure` is the cluster itself (node groups)
 * and every cluster-wide object (storage classes, cluster roles, the secret store); each application
 * component is everything in its namespace, the namespace included, so provisioning `minio` brings
 * its namespace, network policies, mTLS policy, secrets, RBAC and workloads, and its buckets.
 */
export const PROVISION_COMPONENTS = ['infrastructure', 'prefect', 'minio', 's5cmd', 'monitoring'] as const;
export type ProvisionComponent = (typeof PROVISION_COMPONENTS)[number];
export type ApplicationComponent = Exclude<ProvisionComponent, 'infrastructure'>;

/** `all`, or the named components in the dependency order of PROVISION_COMPONENTS, each once. */
export function expandComponents(requested: readonly (ProvisionComponent | 'all')[]): ProvisionComponent[] {
  if (requested.includes('all')) return [...PROVISION_COMPONENTS];
  return PROVISION_COMPONENTS.filter((component) => requested.includes(component));
}

function namespaceOwners(layout: PlatformLayout): Map<string, ApplicationComponent> {
  return new Map<string, ApplicationComponent>([
    [layout.prefect.namespace, 'prefect'],
    [layout.minio.namespace, 'minio'],
    [layout.s5cmd.namespace, 's5cmd'],
    [layout.monitoring.namespace, 'monitoring'],
  ]);
}

/** The component a manifest belongs to: its namespace's application, else infrastructure. */
export function componentOfManifest(layout: PlatformLayout): (manifest: Manifest) => ProvisionComponent {
  const owners = namespaceOwners(layout);
  return (manifest) => {
    const namespace = manifest.kind === 'Namespace' ? manifest.metadata.name : manifest.metadata.namespace;
    return (namespace && owners.get(namespace)) || 'infrastructure';
  };
}
