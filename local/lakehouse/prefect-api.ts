/**
 * A stand-in for the Prefect 3 server's REST API, for the drill and the tests: a real HTTP server
 * on loopback answering the endpoints lakehouse-ops calls (functions/core/validation/prefect-api.ts)
 * with Prefect's shapes, and a worker that runs the flow runs of its deployments. No Prefect server
 * can run here (it is a Python application with its own database), and none exists on npm.
 *
 * The worker behaves like one Prefect worker on a work pool with a concurrency limit: it takes
 * SCHEDULED runs oldest first, moves each through PENDING and RUNNING, "runs" the deployment's flow
 * for its duration and ends it COMPLETED (or FAILED, for a deployment marked to fail). So a burst of
 * runs queues and drains as it would on the platform, and its measured time follows from the
 * concurrency and the flows' durations.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PrefectDeploymentSpec {
  readonly flowName: string;
  readonly deploymentName: string;
  /** How long one run of its flow takes. */
  readonly runDurationMs: number;
  /** Runs end FAILED instead of COMPLETED (a broken flow). */
  readonly fails?: boolean;
  /** The work pool its runs go to: a paused pool's runs wait (the worker is not given them). */
  readonly workPoolName?: string;
  /** Its schedules (`active` true unless said otherwise); the stand-in never creates runs from them. */
  readonly schedules?: readonly { readonly cron: string; readonly active?: boolean }[];
}

export interface PrefectApiStandInOptions {
  readonly deployments: readonly PrefectDeploymentSpec[];
  /** Runs the worker executes at once (the work pool's concurrency limit); default 4. */
  readonly workerConcurrency?: number;
  /**
   * Why the server does not serve now (every request answers 503 with it), or undefined when it
   * does: a DR Prefect serves only once the failover has rolled its server out.
   */
  readonly unavailable?: () => string | undefined;
}

type StateType = 'SCHEDULED' | 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'CANCELLING';

interface FlowRun {
  id: string;
  name: string;
  flow_id: string;
  deployment_id: string;
  tags: string[];
  parameters: Record<string, unknown>;
  state_type: StateType;
  state_name: string;
  state: { type: StateType; name: string; timestamp: string; message: string | null };
  created: string;
  expected_start_time: string;
  start_time: string | null;
  end_time: string | null;
}

interface DeploymentSchedule {
  id: string;
  deployment_id: string;
  active: boolean;
  schedule: { cron: string; timezone: string };
  created: string;
  updated: string;
}

interface Deployment {
  id: string;
  name: string;
  flow_id: string;
  work_pool_name: string | null;
  schedules: DeploymentSchedule[];
  spec: PrefectDeploymentSpec;
}

export interface PrefectApiStandIn {
  /** The API root, ending in `/api` (what PREFECT_API_URL holds). */
  readonly url: string;
  /** Every flow run created so far, oldest first. */
  flowRuns(): readonly FlowRun[];
  /** Delays every response by `milliseconds` (an overloaded server) until the returned restore. */
  slowResponses(milliseconds: number): () => Promise<void>;
  /** Stops the worker taking runs (no worker polls the pool) until the returned restore. */
  pauseWorker(): () => Promise<void>;
  /**
   * Work pools (`POST /work_pools/filter` shapes: name, type, base_job_template) the server holds
   * until the returned restore removes them: right-sizing reads their job templates.
   */
  addWorkPools(pools: readonly PrefectWorkPool[]): () => Promise<void>;
  stop(): Promise<void>;
}

/** A work pool as `POST /work_pools/filter` returns it (the fields lakehouse-ops reads). */
export interface PrefectWorkPool {
  readonly name: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

const TERMINAL: ReadonlySet<StateType> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const STATE_NAMES: Record<StateType, string> = {
  SCHEDULED: 'Scheduled',
  PENDING: 'Pending',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  CANCELLING: 'Cancelling',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startPrefectApiStandIn(options: PrefectApiStandInOptions): Promise<PrefectApiStandIn> {
  const concurrency = options.workerConcurrency ?? 4;
  const flows = new Map<string, { id: string; name: string; created: string }>();
  const deployments = new Map<string, Deployment>();
  for (const spec of options.deployments) {
    const flow = flows.get(spec.flowName) ?? { id: randomUUID(), name: spec.flowName, created: iso() };
    flows.set(spec.flowName, flow);
    const id = randomUUID();
    const schedules = (spec.schedules ?? []).map(({ cron, active }) => ({
      id: randomUUID(),
      deployment_id: id,
      active: active ?? true,
      schedule: { cron, timezone: 'UTC' },
      created: iso(),
      updated: iso(),
    }));
    deployments.set(id, {
      id,
      name: spec.deploymentName,
      flow_id: flow.id,
      work_pool_name: spec.workPoolName ?? null,
      schedules,
      spec,
    });
  }
  const runs = new Map<string, FlowRun>();
  const workPools = new Map<string, PrefectWorkPool>();
  const timers = new Set<NodeJS.Timeout>();
  let responseDelayMs = 0;
  let workerPaused = false;
  let stopped = false;

  function setState(run: FlowRun, type: StateType, message: string | null = null): void {
    const timestamp = iso();
    run.state_type = type;
    run.state_name = STATE_NAMES[type];
    run.state = { type, name: STATE_NAMES[type], timestamp, message };
    if (type === 'RUNNING') run.start_time = timestamp;
    if (TERMINAL.has(type)) run.end_time = timestamp;
  }

  function later(milliseconds: number, action: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) action();
    }, milliseconds);
    timers.add(timer);
  }

  /** The worker: fills free slots with the oldest SCHEDULED runs. */
  function dispatch(): void {
    if (workerPaused || stopped) return;
    const all = [...runs.values()];
    let free =
      concurrency - all.filter((run) => run.state_type === 'PENDING' || run.state_type === 'RUNNING').length;
    for (const run of all) {
      if (free <= 0) break;
      if (run.state_type !== 'SCHEDULED') continue;
      const deployment = deployments.get(run.deployment_id) as Deployment;
      // Pausing a work pool stops the delivery of all its work.
      if (deployment.work_pool_name && workPools.get(deployment.work_pool_name)?.is_paused === true) continue;
      free -= 1;
      setState(run, 'PENDING');
      setState(run, 'RUNNING');
      later(deployment.spec.runDurationMs, () => {
        if (run.state_type === 'CANCELLING') setState(run, 'CANCELLED', 'cancelled while running');
        else if (run.state_type === 'RUNNING') setState(run, deployment.spec.fails ? 'FAILED' : 'COMPLETED');
        dispatch();
      });
    }
  }

  function createFlowRun(deploymentId: string, body: Record<string, unknown>): FlowRun {
    const deployment = deployments.get(deploymentId);
    if (!deployment) throw new HttpError(404, 'Deployment not found.');
    const now = iso();
    const run: FlowRun = {
      id: randomUUID(),
      name: typeof body.name === 'string' ? body.name : `run-${runs.size + 1}`,
      flow_id: deployment.flow_id,
      deployment_id: deployment.id,
      tags: Array.isArray(body.tags) ? body.tags.map(String) : [],
      parameters: (body.parameters as Record<string, unknown>) ?? {},
      state_type: 'SCHEDULED',
      state_name: 'Scheduled',
      state: { type: 'SCHEDULED', name: 'Scheduled', timestamp: now, message: null },
      created: now,
      expected_start_time: now,
      start_time: null,
      end_time: null,
    };
    runs.set(run.id, run);
    // The worker polls the pool; here it is told at once.
    later(0, dispatch);
    return run;
  }

  function route(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
    if (method === 'GET' && path === '/api/health') return [200, true];
    if (method === 'POST' && path === '/api/flows/filter') {
      return [200, [...flows.values()].slice(0, limitOf(body, flows.size))];
    }
    const byName = /^\/api\/deployments\/name\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'GET' && byName) {
      const [flowName, deploymentName] = [
        decodeURIComponent(byName[1] ?? ''),
        decodeURIComponent(byName[2] ?? ''),
      ];
      const flowId = flows.get(flowName)?.id;
      const found = [...deployments.values()].find((d) => d.flow_id === flowId && d.name === deploymentName);
      if (!found) throw new HttpError(404, 'Deployment not found.');
      return [200, { id: found.id, name: found.name, flow_id: found.flow_id }];
    }
    const create = /^\/api\/deployments\/([^/]+)\/create_flow_run$/.exec(path);
    if (method === 'POST' && create) return [201, createFlowRun(create[1] ?? '', body)];
    if (method === 'POST' && path === '/api/work_pools/filter') return [200, filterWorkPools(body)];
    const pool = /^\/api\/work_pools\/([^/]+)$/.exec(path);
    if (method === 'PATCH' && pool) return updateWorkPool(decodeURIComponent(pool[1] ?? ''), body);
    if (method === 'POST' && path === '/api/deployments/filter') {
      const all = [...deployments.values()].map(deploymentResponse);
      const offset = typeof body.offset === 'number' && body.offset > 0 ? body.offset : 0;
      return [200, all.slice(offset, offset + limitOf(body, all.length))];
    }
    const schedules = /^\/api\/deployments\/([^/]+)\/schedules$/.exec(path);
    if (method === 'GET' && schedules) {
      const deployment = deployments.get(schedules[1] ?? '');
      if (!deployment) throw new HttpError(404, 'Deployment not found.');
      return [200, deployment.schedules];
    }
    const schedule = /^\/api\/deployments\/([^/]+)\/schedules\/([^/]+)$/.exec(path);
    if (method === 'PATCH' && schedule) return updateSchedule(schedule[1] ?? '', schedule[2] ?? '', body);
    if (method === 'POST' && path === '/api/flow_runs/filter') {
      const ids = (body.flow_runs as { id?: { any_?: unknown } } | undefined)?.id?.any_;
      const selected = [...runs.values()].filter((run) => !Array.isArray(ids) || ids.includes(run.id));
      return [200, selected.slice(0, limitOf(body, selected.length))];
    }
    const setStatePath = /^\/api\/flow_runs\/([^/]+)\/set_state$/.exec(path);
    if (method === 'POST' && setStatePath) {
      const run = runs.get(setStatePath[1] ?? '');
      if (!run) throw new HttpError(404, 'Flow run not found');
      const state = body.state as { type?: unknown; message?: unknown } | undefined;
      if (typeof state?.type !== 'string' || !(state.type in STATE_NAMES)) {
        throw new HttpError(422, `state.type must be one of ${Object.keys(STATE_NAMES).join(', ')}`);
      }
      setState(run, state.type as StateType, typeof state.message === 'string' ? state.message : null);
      later(0, dispatch);
      return [201, { status: 'ACCEPT', state: run.state, details: {} }];
    }
    const one = /^\/api\/flow_runs\/([^/]+)$/.exec(path);
    if (method === 'GET' && one) {
      const run = runs.get(one[1] ?? '');
      if (!run) throw new HttpError(404, 'Flow run not found');
      return [200, run];
    }
    throw new HttpError(404, 'Not Found');
  }

  /** PATCH /work_pools/{name} (WorkPoolUpdate): the fields it is given, 204 without a body. */
  function updateWorkPool(name: string, body: Record<string, unknown>): [number, unknown] {
    const found = workPools.get(name);
    if (!found) throw new HttpError(404, 'Work pool not found.');
    if ('is_paused' in body && body.is_paused !== null && typeof body.is_paused !== 'boolean')
      throw new HttpError(422, 'is_paused must be a boolean or null');
    const update = Object.fromEntries(
      ['description', 'is_paused', 'base_job_template', 'concurrency_limit']
        .filter((field) => body[field] !== undefined && body[field] !== null)
        .map((field) => [field, body[field]]),
    );
    workPools.set(name, { ...found, ...update });
    if (update.is_paused === false) later(0, dispatch);
    return [204, undefined];
  }

  /** PATCH /deployments/{id}/schedules/{schedule_id} (DeploymentScheduleUpdate), 204 without a body. */
  function updateSchedule(
    deploymentId: string,
    scheduleId: string,
    body: Record<string, unknown>,
  ): [number, unknown] {
    const deployment = deployments.get(deploymentId);
    if (!deployment) throw new HttpError(404, 'Deployment not found.');
    const found = deployment.schedules.find((candidate) => candidate.id === scheduleId);
    if (!found) throw new HttpError(404, 'Schedule not found.');
    if ('active' in body && body.active !== null && typeof body.active !== 'boolean')
      throw new HttpError(422, 'active must be a boolean or null');
    if (typeof body.active === 'boolean') found.active = body.active;
    found.updated = iso();
    return [204, undefined];
  }

  function deploymentResponse(deployment: Deployment) {
    const { spec: _spec, ...response } = deployment;
    return { ...response, paused: false };
  }

  /** Prefect's filter: `work_pools.type.any_` when given, then offset and limit. */
  function filterWorkPools(body: Record<string, unknown>): PrefectWorkPool[] {
    const types = (body.work_pools as { type?: { any_?: unknown } } | undefined)?.type?.any_;
    const selected = [...workPools.values()]
      .filter((pool) => !Array.isArray(types) || types.includes(pool.type))
      .map((pool) => ({ is_paused: false, ...pool }));
    const offset = typeof body.offset === 'number' && body.offset > 0 ? body.offset : 0;
    return selected.slice(offset, offset + limitOf(body, selected.length));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (responseDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, responseDelayMs));
    let status: number;
    let payload: unknown;
    try {
      const unavailable = options.unavailable?.();
      if (unavailable !== undefined) throw new HttpError(503, unavailable);
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      const path = new URL(request.url ?? '/', 'http://prefect.local').pathname;
      [status, payload] = route(request.method ?? 'GET', path, body);
    } catch (error) {
      status = error instanceof HttpError ? error.status : error instanceof SyntaxError ? 422 : 500;
      payload = { detail: (error as Error).message };
    }
    if (status === 204) {
      response.writeHead(204);
      response.end();
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(payload));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ detail: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    flowRuns: () => [...runs.values()],
    slowResponses(milliseconds) {
      const before = responseDelayMs;
      responseDelayMs = milliseconds;
      return async () => {
        responseDelayMs = before;
      };
    },
    pauseWorker() {
      workerPaused = true;
      return async () => {
        workerPaused = false;
        dispatch();
      };
    },
    addWorkPools(pools) {
      for (const pool of pools) {
        if (workPools.has(pool.name))
          throw new Error(`Prefect stand-in: work pool ${pool.name} exists already`);
      }
      for (const pool of pools) workPools.set(pool.name, pool);
      return async () => {
        for (const pool of pools) workPools.delete(pool.name);
      };
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function limitOf(body: Record<string, unknown>, fallback: number): number {
  return typeof body.limit === 'number' && body.limit >= 0 ? body.limit : fallback;
}

function iso(): string {
  return new Date().toISOString();
}
