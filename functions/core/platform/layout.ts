import * as z from 'zod/mini';
import { ConfigurationError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';

/** A name (namespace, workload, label selector) with its default. */
function name(defaultValue: string) {
  return z._default(z.string(), defaultValue);
}

function replicas(defaultValue: number) {
  return z._default(z.number().check(z.int(), z.positive()), defaultValue);
}

/**
 * Where the lakehouse's components live in the cluster. The checks, the seeded local lakehouse and
 * cluster-manifests all agree on these names; an environment can override them (infra config ->
 * PLATFORM_LAYOUT environment variable, JSON) without code changes.
 */
export const platformLayoutSchema = z.object({
  prefect: z.prefault(
    z.object({
      namespace: name('prefect'),
      serverDeployment: name('prefect-server'),
      serverReplicas: replicas(3),
      /** Worker Deployments are found by this label selector, so adding a work pool needs no config. */
      workerSelector: name('app.kubernetes.io/component=prefect-worker'),
    }),
    {},
  ),
  minio: z.prefault(
    z.object({
      namespace: name('minio'),
      statefulSet: name('minio'),
      replicas: replicas(4),
      probeBucket: name('lakehouse-ops-probe'),
    }),
    {},
  ),
  s5cmd: z.prefault(
    z.object({
      namespace: name('s5cmd'),
      serviceAccount: name('s5cmd-executor'),
      /** A suspended CronJob is the Job template that transfer Jobs are created from. */
      jobTemplateCronJob: name('s5cmd-executor'),
    }),
    {},
  ),
  monitoring: z.prefault(
    z.object({
      namespace: name('monitoring'),
      prometheusStatefulSet: name('prometheus'),
      alertmanagerStatefulSet: name('alertmanager'),
      grafanaDeployment: name('grafana'),
    }),
    {},
  ),
  nodes: z.prefault(
    z.object({
      /** The label that names a Node's managed node group (set by EKS). */
      nodeGroupLabel: name('eks.amazonaws.com/nodegroup'),
    }),
    {},
  ),
});
export type PlatformLayout = z.infer<typeof platformLayoutSchema>;

export const defaultPlatformLayout: PlatformLayout = platformLayoutSchema.parse({});

/** The namespaces the lakehouse runs in (cluster-manifests creates them and grants its groups there). */
export function lakehouseNamespacesOf(layout: PlatformLayout): string[] {
  const { prefect, minio, s5cmd, monitoring } = layout;
  return [...new Set([prefect.namespace, minio.namespace, s5cmd.namespace, monitoring.namespace])];
}

/**
 * Reads the PLATFORM_LAYOUT override (JSON, possibly partial: missing fields keep their defaults).
 * A broken override is a deployment mistake, so it fails loudly instead of silently checking the
 * default names.
 */
export function parsePlatformLayout(json: string | undefined): PlatformLayout {
  if (json === undefined || json.trim() === '') return defaultPlatformLayout;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigurationError(`PLATFORM_LAYOUT is not valid JSON: ${(error as Error).message}`, {
      variable: 'PLATFORM_LAYOUT',
    });
  }
  return parseOrThrow(
    platformLayoutSchema,
    raw,
    (problems) =>
      new ConfigurationError(`PLATFORM_LAYOUT does not describe a platform layout: ${problems.join('; ')}`, {
        variable: 'PLATFORM_LAYOUT',
        problems,
      }),
  );
}
