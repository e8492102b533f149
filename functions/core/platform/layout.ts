import * as z from 'zod';
import { ConfigurationError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';

/**
 * Where the lakehouse's components live in the cluster. The checks, the seeded local lakehouse and
 * cluster-manifests all agree on these names; an environment can override them (infra config ->
 * PLATFORM_LAYOUT environment variable, JSON) without code changes.
 */
export const platformLayoutSchema = z.object({
  prefect: z
    .object({
      namespace: z.string().default('prefect'),
      serverDeployment: z.string().default('prefect-server'),
      serverReplicas: z.number().int().positive().default(3),
      /** Worker Deployments are found by this label selector, so adding a work pool needs no config. */
      workerSelector: z.string().default('app.kubernetes.io/component=prefect-worker'),
    })
    .prefault({}),
  minio: z
    .object({
      namespace: z.string().default('minio'),
      statefulSet: z.string().default('minio'),
      replicas: z.number().int().positive().default(4),
      probeBucket: z.string().default('lakehouse-ops-probe'),
    })
    .prefault({}),
  s5cmd: z
    .object({
      namespace: z.string().default('s5cmd'),
      serviceAccount: z.string().default('s5cmd-executor'),
      /** A suspended CronJob is the Job template that transfer Jobs are created from. */
      jobTemplateCronJob: z.string().default('s5cmd-executor'),
    })
    .prefault({}),
  monitoring: z
    .object({
      namespace: z.string().default('monitoring'),
      prometheusStatefulSet: z.string().default('prometheus'),
      alertmanagerStatefulSet: z.string().default('alertmanager'),
      grafanaDeployment: z.string().default('grafana'),
    })
    .prefault({}),
  nodes: z
    .object({
      /** The label that names a Node's managed node group (set by EKS). */
      nodeGroupLabel: z.string().default('eks.amazonaws.com/nodegroup'),
    })
    .prefault({}),
});
export type PlatformLayout = z.infer<typeof platformLayoutSchema>;

export const defaultPlatformLayout: PlatformLayout = platformLayoutSchema.parse({});

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
