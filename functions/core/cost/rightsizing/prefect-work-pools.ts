import type { V1PodSpec } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import { type HttpJsonOptions, MonitoringApiError, requestJson } from '../../remediation/http-json.ts';
import { PrefectApiError } from '../../validation/prefect-api.ts';
import { poolOfPodSpec } from '../pricing.ts';
import { resourcesOf } from './current-resources.ts';
import type { Discovery, WorkloadSource } from './workloads.ts';

/**
 * Prefect work pools of type `kubernetes` as workloads: their flow runs are Jobs built from the
 * pool's base job template, so the template's containers are what right-sizing recommends for
 * (`POST /work_pools/filter`, Prefect 3 REST API). A template value is often a placeholder
 * (`"{{ namespace }}"`) filled from the pool's variables at run time; the variable's default is
 * what an unconfigured deployment gets, so that is what is read here.
 */
const variablesSchema = z.object({
  properties: z.optional(z.record(z.string(), z.object({ default: z.optional(z.unknown()) }))),
});
const workPoolSchema = z.object({
  name: z.string(),
  type: z.string(),
  base_job_template: z.optional(
    z.object({
      job_configuration: z.optional(z.record(z.string(), z.unknown())),
      variables: z.optional(variablesSchema),
    }),
  ),
});
type WorkPool = z.output<typeof workPoolSchema>;

const PAGE_SIZE = 200;
const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([\w.-]+)\s*\}\}$/;

/** The template with every placeholder replaced by its variable's default (undefined when it has none). */
export function resolvePlaceholders(value: unknown, defaults: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    if (whole) return defaults[whole[1]!];
    return value.replace(PLACEHOLDER, (_, name: string) => {
      const replacement = defaults[name];
      return replacement === undefined || typeof replacement === 'object' ? '' : String(replacement);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolvePlaceholders(item, defaults));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolvePlaceholders(item, defaults)]),
    );
  }
  return value;
}

interface ResolvedJobConfiguration {
  namespace?: unknown;
  job_manifest?: { spec?: { template?: { spec?: V1PodSpec } } };
}

function workloadOf(pool: WorkPool, defaultNamespace: string, discovery: Discovery): void {
  const template = pool.base_job_template ?? {};
  const defaults = Object.fromEntries(
    Object.entries(template.variables?.properties ?? {}).map(([name, property]) => [name, property.default]),
  );
  const configuration = resolvePlaceholders(
    template.job_configuration ?? {},
    defaults,
  ) as ResolvedJobConfiguration;
  const namespace =
    typeof configuration.namespace === 'string' && configuration.namespace
      ? configuration.namespace
      : defaultNamespace;
  const spec = configuration.job_manifest?.spec?.template?.spec;
  const ref = { namespace, kind: 'PrefectWorkPool' as const, name: pool.name };
  if (!spec?.containers?.length) {
    discovery.skipped.push({ ...ref, reason: 'its base job template has no job_manifest containers' });
    return;
  }
  try {
    discovery.workloads.push({
      ...ref,
      replicas: 1,
      pool: poolOfPodSpec(spec),
      containers: spec.containers.map((container) => ({
        name: container.name,
        current: resourcesOf(container.resources, `work pool ${pool.name} container ${container.name}`),
        hpaResources: [],
      })),
    });
  } catch (error) {
    discovery.skipped.push({ ...ref, reason: (error as Error).message });
  }
}

export interface PrefectWorkPoolSourceOptions {
  /** PREFECT_API_URL: the server's API root, ending in `/api`. */
  apiUrl: string;
  /** Where flow-run pods go when the template names no namespace (the layout's Prefect namespace). */
  defaultNamespace: string;
  fetch?: HttpJsonOptions['fetch'];
}

export function prefectWorkPoolSource(options: PrefectWorkPoolSourceOptions): WorkloadSource {
  const url = `${options.apiUrl.replace(/\/+$/, '')}/work_pools/filter`;
  return {
    async discover(namespaces) {
      const pools: WorkPool[] = [];
      for (let offset = 0; ; offset += PAGE_SIZE) {
        let page: unknown;
        try {
          page = await requestJson<unknown>('Prefect API POST /work_pools/filter', url, {
            method: 'POST',
            body: { offset, limit: PAGE_SIZE, work_pools: { type: { any_: ['kubernetes'] } } },
            fetch: options.fetch,
          });
        } catch (error) {
          if (error instanceof MonitoringApiError) throw new PrefectApiError(error.message, error.details);
          throw error;
        }
        const parsed = z.safeParse(z.array(workPoolSchema), page);
        if (!parsed.success) {
          throw new PrefectApiError(
            'Prefect API POST /work_pools/filter returned something that is not a list of work pools',
            {
              issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
            },
          );
        }
        pools.push(...parsed.data);
        if (parsed.data.length < PAGE_SIZE) break;
      }
      const discovery: Discovery = { workloads: [], skipped: [] };
      for (const pool of pools.filter((candidate) => candidate.type === 'kubernetes')) {
        workloadOf(pool, options.defaultNamespace, discovery);
      }
      const wanted = new Set(namespaces);
      return {
        workloads: discovery.workloads.filter(
          (workload) => wanted.size === 0 || wanted.has(workload.namespace),
        ),
        skipped: discovery.skipped.filter((workload) => wanted.size === 0 || wanted.has(workload.namespace)),
      };
    },
  };
}
