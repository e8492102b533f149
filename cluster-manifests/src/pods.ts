import type {
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Probe,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { type AppIdentity, recommendedLabels } from './metadata.ts';

/**
 * Pod and container defaults that satisfy the `restricted` Pod Security Standard every lakehouse
 * namespace enforces: non-root with a fixed uid, no privilege escalation, no capabilities, the
 * runtime's seccomp profile and a read-only root filesystem (writable paths are explicit emptyDirs).
 */
export function restrictedPodSecurity(uid: number): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    // Only re-own a volume whose root is not ours yet: a recursive chown of a 12 TiB MinIO drive
    // on every restart would hold the pod for hours.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurity(): V1SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

export function httpProbe(path: string, port: number | string, periodSeconds = 10): V1Probe {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 5, failureThreshold: 3 };
}

export function execProbe(command: string[], periodSeconds = 10): V1Probe {
  return { exec: { command }, periodSeconds, timeoutSeconds: 5, failureThreshold: 3 };
}

/** An environment variable read from a key of a Secret (by default the key named like the variable). */
export function secretEnv(name: string, secret: string, key = name): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/**
 * An HTTP server's port and health probes. Liveness checks less often and only after start-up, so
 * a slow start or a busy moment restarts nothing; readiness takes the pod out of its Service at once.
 */
export function httpServing(
  portName: string,
  port: number,
  health: { ready: string; live?: string; startupSeconds: number },
): Pick<V1Container, 'ports' | 'readinessProbe' | 'livenessProbe'> {
  return {
    ports: [{ name: portName, containerPort: port, protocol: 'TCP' }],
    readinessProbe: httpProbe(health.ready, portName),
    livenessProbe: {
      ...httpProbe(health.live ?? health.ready, portName, 20),
      initialDelaySeconds: health.startupSeconds,
    },
  };
}

/** A writable emptyDir for a path the image writes to (the root filesystem is read-only). */
export function scratch(
  name: string,
  mountPath: string,
  sizeLimit = '1Gi',
): {
  volume: V1Volume;
  mount: V1VolumeMount;
} {
  return { volume: { name, emptyDir: { sizeLimit } }, mount: { name, mountPath } };
}

/** A container with the restricted security context (callers add image, args, resources, probes). */
export function restrictedContainer(container: V1Container): V1Container {
  return {
    ...container,
    securityContext: { ...restrictedContainerSecurity(), ...container.securityContext },
  };
}

export interface PodInput {
  readonly identity: AppIdentity;
  readonly uid: number;
  readonly containers: V1Container[];
  readonly serviceAccountName: string;
  /** Placement on a node pool (scheduling.ts). */
  readonly placement: Pick<V1PodSpec, 'nodeSelector' | 'tolerations' | 'affinity'>;
  readonly volumes?: V1Volume[];
  readonly annotations?: Record<string, string>;
  /** Only the workloads that call the Kubernetes API get their service account token mounted. */
  readonly mountServiceAccountToken?: boolean;
  readonly restartPolicy?: 'Never' | 'OnFailure';
  readonly terminationGracePeriodSeconds?: number;
}

export function podTemplate(input: PodInput): V1PodTemplateSpec {
  return {
    metadata: {
      labels: recommendedLabels(input.identity),
      ...(input.annotations ? { annotations: input.annotations } : {}),
    },
    spec: {
      serviceAccountName: input.serviceAccountName,
      automountServiceAccountToken: input.mountServiceAccountToken ?? false,
      securityContext: restrictedPodSecurity(input.uid),
      ...input.placement,
      ...(input.restartPolicy ? { restartPolicy: input.restartPolicy } : {}),
      ...(input.terminationGracePeriodSeconds === undefined
        ? {}
        : { terminationGracePeriodSeconds: input.terminationGracePeriodSeconds }),
      containers: input.containers.map(restrictedContainer),
      ...(input.volumes ? { volumes: input.volumes } : {}),
    },
  };
}

/**
 * Prometheus scrapes every meshed pod through Istio's metrics merging (port 15020, outside mTLS):
 * the sidecar reads these annotations and serves the application's metrics with its own.
 */
export function scrapeAnnotations(port: number, path = '/metrics'): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': path };
}
