import * as z from 'zod/mini';
import { MonitoringApiError, requestJson } from '../../remediation/http-json.ts';
import { PrefectApiError } from '../../validation/prefect-api.ts';

/**
 * The slice of the Prefect 3 REST API the fence uses (the server's `/api`): work pools and their
 * `is_paused` (`POST /work_pools/filter`, `PATCH /work_pools/{name}`), deployments and the
 * `active` flag of each of their schedules (`POST /deployments/filter`,
 * `PATCH /deployments/{id}/schedules/{schedule_id}`). A paused pool delivers no work to its
 * workers; a paused schedule creates no new runs. Pausing one schedule at a time, rather than the
 * whole deployment, lets the lift give back exactly the schedules that were active.
 */
export interface PrefectWorkPoolState {
  readonly name: string;
  readonly isPaused: boolean;
}

export interface PrefectDeploymentSchedules {
  readonly id: string;
  readonly name: string;
  readonly schedules: readonly { readonly id: string; readonly active: boolean }[];
}

export interface PrefectControl {
  /** GET /health with the probe's short deadline. */
  health(): Promise<void>;
  workPools(): Promise<PrefectWorkPoolState[]>;
  deployments(): Promise<PrefectDeploymentSchedules[]>;
  /** false when the pool no longer exists. */
  setWorkPoolPaused(name: string, paused: boolean): Promise<boolean>;
  /** false when the deployment or the schedule no longer exists. */
  setScheduleActive(deploymentId: string, scheduleId: string, active: boolean): Promise<boolean>;
}

export interface PrefectControlOptions {
  /** PREFECT_API_URL: the server's API root, ending in `/api`. */
  readonly baseUrl: string;
  /** Deadline of one request (default 10 s). */
  readonly timeoutMs?: number;
  /** Deadline of the health probe (default 5 s). */
  readonly probeTimeoutMs?: number;
}

const PAGE_SIZE = 200;
const NOT_FOUND = Symbol('not found');

const workPoolsSchema = z.array(z.object({ name: z.string(), is_paused: z._default(z.boolean(), false) }));
const deploymentsSchema = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    schedules: z._default(z.array(z.object({ id: z.string(), active: z._default(z.boolean(), true) })), []),
  }),
);

export function prefectControl({
  baseUrl,
  timeoutMs = 10_000,
  probeTimeoutMs = 5_000,
}: PrefectControlOptions): PrefectControl {
  const root = baseUrl.replace(/\/+$/, '');

  /** The answer's JSON (undefined for 204), or NOT_FOUND; failures as the other Prefect clients report them. */
  async function call(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    deadlineMs = timeoutMs,
  ) {
    try {
      return await requestJson<unknown>(`Prefect API ${method} ${path}`, `${root}${path}`, {
        method,
        body,
        timeoutMs: deadlineMs,
      });
    } catch (error) {
      if (!(error instanceof MonitoringApiError)) throw error;
      if (error.details.status === 404) return NOT_FOUND;
      throw new PrefectApiError(error.message, error.details);
    }
  }

  async function pages<Schema extends z.core.$ZodArray>(path: string, schema: Schema, what: string) {
    const items: z.output<Schema>[number][] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const page = await call('POST', path, { offset, limit: PAGE_SIZE });
      if (page === NOT_FOUND)
        throw new PrefectApiError(
          `Prefect API POST ${path} answered 404: is PREFECT_API_URL the server's /api root?`,
          { path },
        );
      const parsed = z.safeParse(schema, page);
      if (!parsed.success) {
        throw new PrefectApiError(`Prefect API POST ${path} returned something that is not ${what}`, {
          issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        });
      }
      items.push(...(parsed.data as z.output<Schema>[number][]));
      if ((parsed.data as unknown[]).length < PAGE_SIZE) return items;
    }
  }

  return {
    async health() {
      if ((await call('GET', '/health', undefined, probeTimeoutMs)) === NOT_FOUND)
        throw new PrefectApiError(
          "Prefect API GET /health answered 404: is PREFECT_API_URL the server's /api root?",
          {},
        );
    },
    async workPools() {
      const pools = await pages('/work_pools/filter', workPoolsSchema, 'a list of work pools');
      return pools.map((pool) => ({ name: pool.name, isPaused: pool.is_paused }));
    },
    async deployments() {
      return pages('/deployments/filter', deploymentsSchema, 'a list of deployments');
    },
    async setWorkPoolPaused(name, paused) {
      return (
        (await call('PATCH', `/work_pools/${encodeURIComponent(name)}`, { is_paused: paused })) !== NOT_FOUND
      );
    },
    async setScheduleActive(deploymentId, scheduleId, active) {
      const path = `/deployments/${encodeURIComponent(deploymentId)}/schedules/${encodeURIComponent(scheduleId)}`;
      return (await call('PATCH', path, { active })) !== NOT_FOUND;
    },
  };
}
