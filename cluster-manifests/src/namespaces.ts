import type { V1Namespace } from '@kubernetes/client-node';
import { lakehouseNamespacesOf } from '../../functions/core/platform/layout.ts';
import type { ClusterEnvironment } from './environments.ts';
import { type Manifest, manifest } from './manifest.ts';
import { platformMeta } from './metadata.ts';

/** The Pod Security Standards version the labels pin (the EKS cluster runs this release or newer). */
export const POD_SECURITY_VERSION = 'v1.31';

/** The namespaces the lakehouse runs in, from the platform layout (the names the checks look for). */
export function lakehouseNamespaces(environment: ClusterEnvironment): string[] {
  return lakehouseNamespacesOf(environment.layout);
}

/**
 * Every lakehouse namespace enforces the `restricted` Pod Security Standard (and audits and warns
 * at the same level, so `kubectl apply` shows a violation before admission refuses it), and gets
 * Istio sidecars. The restricted level holds with sidecars because the mesh is installed with the
 * Istio CNI node agent: no privileged istio-init container (README, prerequisites).
 */
export function namespaces(environment: ClusterEnvironment): Manifest[] {
  return lakehouseNamespaces(environment).map((name) => {
    const meta = platformMeta(name);
    return manifest<V1Namespace>({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        ...meta,
        labels: {
          ...meta.labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': POD_SECURITY_VERSION,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': POD_SECURITY_VERSION,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': POD_SECURITY_VERSION,
          'istio-injection': 'enabled',
        },
      },
    });
  });
}
