import * as z from 'zod/mini';
import { namedError, TransientError } from '../../commons/errors.ts';
import { isNetworkError } from '../../commons/transient-errors.ts';

/**
 * The slice of the Prefect 3 REST API (the server's `/api`) that the performance checks use.
 * Plain fetch: no Prefect client exists for Node, and these five endpoints need none.
 */

/** The Prefect API answered 4xx: a wrong URL, a missing deployment, a rejected body. Not retried. */
export class PrefectApiError extends namedError('PrefectApiError') {}

export const FLOW_RUN_STATE_TYPES = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'CRASHED',
  'PAUSED',
  'CANCELLING',
] as const;
export type FlowRunStateType = (typeof FLOW_RUN_STATE_TYPES)[number];

/** The states a flow run never leaves. */
export const TERMINAL_STATE_TYPES: ReadonlySet<FlowRunStateType> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'CRASHED',
]);

const deploymentSchema = z.object({ id: z.string(), name: z.string(), flow_id: z.string() });
export type PrefectDeployment = z.infer<typeof deploymentSchema>;

const flowRunSchema = z.object({
  id: z.string(),
  name: z.string(),
  state_type: z.nullable(z.enum(FLOW_RUN_STATE_TYPES)),
  start_time: z.optional(z.nullable(z.string())),
  end_time: z.optional(z.nullable(z.string())),
});
export type PrefectFlowRun = z.infer<typeof flowRunSchema>;

export interface PrefectApi {
  /** GET /health: the server is up and reached its database. */
  health(): Promise<void>;
  /** POST /flows/filter: a cheap read that goes through the database. */
  filterFlows(limit: number): Promise<unknown[]>;
  /** GET /deployments/name/{flow}/{deployment}; undefined when there is no such deployment. */
  readDeploymentByName(flowName: string, deploymentName: string): Promise<PrefectDeployment | undefined>;
  /** POST /deployments/{id}/create_flow_run: a SCHEDULED run that the deployment's work pool picks up. */
  createFlowRun(deploymentId: string, options: { name: string; tags: string[] }): Promise<PrefectFlowRun>;
  /** POST /flow_runs/filter by id. */
  readFlowRuns(ids: readonly string[]): Promise<PrefectFlowRun[]>;
  /** POST /flow_runs/{id}/set_state, forced: used to cancel what a check leaves unfinished. */
  setFlowRunState(id: string, type: FlowRunStateType, message: string): Promise<void>;
}

export interface PrefectApiOptions {
  /** PREFECT_API_URL: the server's API root, ending in `/api`. */
  baseUrl: string;
  /** Deadline of one request (default 10 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createPrefectApi({ baseUrl, timeoutMs = DEFAULT_TIMEOUT_MS }: PrefectApiOptions): PrefectApi {
  const root = baseUrl.replace(/\/+$/, '');

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const operation = `Prefect API ${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      if (timedOut || isNetworkError(error) || (error as Error).name === 'TypeError') {
        throw new TransientError(
          `${operation} failed: ${timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message}`,
          { operation, url: `${root}${path}` },
          { cause: error },
        );
      }
      throw error;
    }
    if (response.ok || response.status === 404) return response;
    const text = (await response.text()).slice(0, 300);
    const details = { operation, status: response.status, body: text };
    if (response.status >= 500 || response.status === 429) {
      throw new TransientError(`${operation} answered ${response.status}: ${text}`, details);
    }
    throw new PrefectApiError(`${operation} answered ${response.status}: ${text}`, details);
  }

  async function json<Schema extends z.core.$ZodType>(
    response: Response,
    schema: Schema,
    what: string,
  ): Promise<z.output<Schema>> {
    const parsed = z.safeParse(schema, await response.json());
    if (!parsed.success) {
      throw new PrefectApiError(`the Prefect API returned something that is not ${what}`, {
        issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      });
    }
    return parsed.data;
  }

  async function expectFound(response: Response, operation: string): Promise<Response> {
    if (response.status === 404) {
      throw new PrefectApiError(`${operation} answered 404: is PREFECT_API_URL the server's /api root?`, {
        operation,
        status: 404,
      });
    }
    return response;
  }

  return {
    async health() {
      await expectFound(await call('GET', '/health'), 'GET /health');
    },
    async filterFlows(limit) {
      const response = await expectFound(
        await call('POST', '/flows/filter', { limit }),
        'POST /flows/filter',
      );
      return json(response, z.array(z.unknown()), 'a list of flows');
    },
    async readDeploymentByName(flowName, deploymentName) {
      const path = `/deployments/name/${encodeURIComponent(flowName)}/${encodeURIComponent(deploymentName)}`;
      const response = await call('GET', path);
      if (response.status === 404) return undefined;
      return json(response, deploymentSchema, 'a deployment');
    },
    async createFlowRun(deploymentId, { name, tags }) {
      const path = `/deployments/${encodeURIComponent(deploymentId)}/create_flow_run`;
      const response = await expectFound(await call('POST', path, { name, tags, parameters: {} }), path);
      return json(response, flowRunSchema, 'a flow run');
    },
    async readFlowRuns(ids) {
      const response = await expectFound(
        await call('POST', '/flow_runs/filter', { flow_runs: { id: { any_: ids } }, limit: ids.length }),
        'POST /flow_runs/filter',
      );
      return json(response, z.array(flowRunSchema), 'a list of flow runs');
    },
    async setFlowRunState(id, type, message) {
      const path = `/flow_runs/${encodeURIComponent(id)}/set_state`;
      await expectFound(await call('POST', path, { state: { type, message }, force: true }), path);
    },
  };
}
