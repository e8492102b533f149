import type {
  V1ConfigMap,
  V1Deployment,
  V1DeploymentStrategy,
  V1PersistentVolumeClaim,
  V1PodDisruptionBudget,
  V1Service,
  V1ServiceAccount,
  V1ServicePort,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { type Manifest, manifest } from './manifest.ts';
import { type AppIdentity, objectMeta, selectorLabels } from './metadata.ts';
import { type PodInput, podTemplate } from './pods.ts';

export interface WorkloadInput extends PodInput {
  readonly namespace: string;
  readonly replicas: number;
}

export function deployment(input: WorkloadInput & { readonly strategy?: V1DeploymentStrategy }): Manifest {
  return manifest<V1Deployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(input.identity, input.identity.instance, input.namespace),
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selectorLabels(input.identity) },
      ...(input.strategy ? { strategy: input.strategy } : {}),
      template: podTemplate(input),
    },
  });
}

export interface VolumeClaim {
  readonly name: string;
  readonly storage: string;
  readonly storageClassName: string;
}

function claimTemplate(claim: VolumeClaim): V1PersistentVolumeClaim {
  return {
    metadata: { name: claim.name },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: claim.storageClassName,
      resources: { requests: { storage: claim.storage } },
    },
  };
}

/** A StatefulSet governed by the headless Service `<name>-headless` (headlessService below). */
export function statefulSet(
  input: WorkloadInput & { readonly claims: readonly VolumeClaim[]; readonly parallel?: boolean },
): Manifest {
  const name = input.identity.instance;
  return manifest<V1StatefulSet>({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: objectMeta(input.identity, name, input.namespace),
    spec: {
      replicas: input.replicas,
      serviceName: `${name}-headless`,
      ...(input.parallel ? { podManagementPolicy: 'Parallel' } : {}),
      selector: { matchLabels: selectorLabels(input.identity) },
      template: podTemplate(input),
      volumeClaimTemplates: input.claims.map(claimTemplate),
      // Claims outlive the StatefulSet and its scale-downs: the data is the point.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  });
}

function servicePorts(ports: Record<string, number>): V1ServicePort[] {
  return Object.entries(ports).map(([name, port]) => ({ name, port, targetPort: name, protocol: 'TCP' }));
}

/** A ClusterIP Service; port names follow Istio's protocol selection (`http-…`, `tcp-…`). */
export function service(
  identity: AppIdentity,
  namespace: string,
  ports: Record<string, number>,
  name = identity.instance,
): Manifest {
  return manifest<V1Service>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(identity, name, namespace),
    spec: { type: 'ClusterIP', selector: selectorLabels(identity), ports: servicePorts(ports) },
  });
}

/**
 * The governing Service of a StatefulSet: stable per-pod DNS names. Not-ready pods are published
 * too, because clustered software (MinIO, Alertmanager) must find its peers before it is ready.
 */
export function headlessService(
  identity: AppIdentity,
  namespace: string,
  ports: Record<string, number>,
): Manifest {
  return manifest<V1Service>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(identity, `${identity.instance}-headless`, namespace),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(identity),
      ports: servicePorts(ports),
    },
  });
}

/** At most `maxUnavailable` pods evicted at once (drains, remediation, spot migration all evict). */
export function podDisruptionBudget(identity: AppIdentity, namespace: string, maxUnavailable = 1): Manifest {
  return manifest<V1PodDisruptionBudget>({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(identity, identity.instance, namespace),
    spec: {
      maxUnavailable,
      selector: { matchLabels: selectorLabels(identity) },
      // A pod that never became ready protects nothing: let a drain evict it.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

export function serviceAccount(identity: AppIdentity, namespace: string, name: string): Manifest {
  return manifest<V1ServiceAccount>({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: objectMeta(identity, name, namespace),
    // Pods opt in to a token (podTemplate's mountServiceAccountToken); by default none is mounted.
    automountServiceAccountToken: false,
  });
}

export function configMap(
  identity: AppIdentity,
  name: string,
  namespace: string,
  data: Record<string, string>,
): Manifest {
  return manifest<V1ConfigMap>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(identity, name, namespace),
    data,
  });
}
