import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { Authenticator, type StaticTokenUser } from './auth.ts';
import { type AuthorizationMode, RbacAuthorizer, SYSTEM_MASTERS } from './authorization.ts';
import { type ControllerContext, runToFixedPoint, tick } from './controllers/index.ts';
import { FaultInjector } from './faults.ts';
import { ImageRegistry } from './images.ts';
import { JobExecutions, type JobExecutorRegistry } from './job-executors.ts';
import { PodLogs } from './logs.ts';
import { type Condition, clone, type KubeObject, type Node, rfc3339, setCondition } from './model.ts';
import { type NodeOptions, nodeObject } from './nodes.ts';
import { ObjectApi } from './objects.ts';
import { type ResourceType, requireResourceByKind, TYPES } from './resources.ts';
import { matchesRequirements, parseLabelSelector } from './selectors.ts';
import { type AuditRecord, createKubeServer } from './server.ts';
import { ObjectStore } from './store.ts';

export interface KubeSimOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** Extra static bearer tokens: token -> user name, or token -> { user, groups }. */
  tokens?: Record<string, StaticTokenUser>;
  /**
   * 'AlwaysAllow' (default): every authenticated request may do anything. 'RBAC': requests are
   * authorized against the Roles, ClusterRoles and bindings stored in this kube-sim, as
   * `--authorization-mode=RBAC` does; the built-in admin token is in system:masters.
   */
  authorization?: AuthorizationMode;
  /**
   * 'sync' (default): the controllers run to a fixed point after every write, so a client sees a
   * Deployment's pods on its next request. 'manual': only when settle() is called.
   */
  controllers?: 'sync' | 'manual';
  /** Images the registry holds, and whether pods may only pull those. */
  images?: string[];
  enforceImages?: boolean;
  nodes?: NodeOptions[];
  /** Namespaces created at start; default, kube-system, kube-public and kube-node-lease by default. */
  namespaces?: string[];
  /** When > 0, tick() runs on this interval (crash-looping restart counts grow in real time). */
  tickIntervalMs?: number;
  /** The clock for timestamps and token expiry; the real clock by default. */
  clock?: () => Date;
  /**
   * Images whose run-to-completion containers really run (see job-executors.ts), by repository:
   * `{ 'ghcr.io/lakehouse-ops/pg-tools': hostCommandExecutor(...) }`. Other images complete at once.
   */
  jobExecutors?: JobExecutorRegistry;
}

/** The user of the built-in admin token (`sim.token`), a member of system:masters. */
export const ADMIN_USER = 'kube-sim-admin';
const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const SEED_MANAGER = 'kube-sim-seed';

export class KubeSim {
  readonly images: ImageRegistry;
  readonly faults = new FaultInjector();
  readonly logs = new PodLogs();
  /** The containers the job executors run: `await sim.jobExecutions.idle()` waits for them. */
  readonly jobExecutions: JobExecutions;
  readonly audit: AuditRecord[] = [];
  /**
   * The RBAC authorizer over the stored roles and bindings: its `decisions` (recorded when
   * authorization is 'RBAC'), `grantsOf(user)` and `unusedGrants(user)`.
   */
  readonly rbac: RbacAuthorizer;
  /** A static token for the built-in admin user; kubeConfig() uses it by default. */
  readonly token = `kube-sim-${randomUUID()}`;
  private readonly store = new ObjectStore();
  private readonly api: ObjectApi;
  private readonly context: ControllerContext;
  private readonly server: Server;
  private timer: NodeJS.Timeout | undefined;
  private address = '';

  constructor(private readonly options: KubeSimOptions = {}) {
    const clock = options.clock ?? (() => new Date());
    this.api = new ObjectApi(this.store, clock);
    this.images = new ImageRegistry(options.images ?? [], options.enforceImages ?? false);
    this.jobExecutions = new JobExecutions(options.jobExecutors ?? {}, this.logs, () => this.afterWrite());
    this.context = {
      api: this.api,
      images: this.images,
      clock,
      now: () => rfc3339(clock()),
      executions: this.jobExecutions,
    };
    const admin: StaticTokenUser = { user: ADMIN_USER, groups: [SYSTEM_MASTERS] };
    const tokens = new Map(Object.entries({ ...options.tokens, [this.token]: admin }));
    this.rbac = new RbacAuthorizer(this.api);
    this.server = createKubeServer({
      controllers: this.context,
      logs: this.logs,
      authenticator: new Authenticator(tokens, clock),
      authorization: options.authorization ?? 'AlwaysAllow',
      rbac: this.rbac,
      faults: this.faults,
      audit: this.audit,
      afterWrite: () => this.afterWrite(),
    });
    for (const namespace of options.namespaces ?? DEFAULT_NAMESPACES) this.ensureNamespace(namespace);
    for (const node of options.nodes ?? []) this.addNode(node);
  }

  /** Base URL of the API, e.g. http://127.0.0.1:41234. */
  get url(): string {
    return this.address;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = this.server.address() as AddressInfo;
    this.address = `http://${address}:${port}`;
    if (this.options.tickIntervalMs && this.options.tickIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.tick().catch((error: unknown) => console.error('kube-sim: tick failed', error));
      }, this.options.tickIntervalMs);
      this.timer.unref();
    }
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.jobExecutions.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Stops answering (clients get ECONNREFUSED, as from a cluster whose region is lost) while
   * keeping every object; goOnline() listens again on the same port with the same objects.
   */
  async goOffline(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async goOnline(): Promise<void> {
    if (this.server.listening) return;
    if (!this.address)
      throw new Error('kube-sim: goOnline() needs a server that listened before (call listen())');
    const port = Number(new URL(this.address).port);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Runs every controller until nothing changes. Resolves to the number of passes it took. */
  async settle(): Promise<number> {
    return runToFixedPoint(this.context, this.store);
  }

  /** Advances simulated time by `steps` (crash-looping containers restart once per step), then settles. */
  async tick(steps = 1): Promise<void> {
    for (let step = 0; step < steps; step += 1) tick(this.context);
    runToFixedPoint(this.context, this.store);
  }

  get<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): T | undefined {
    return this.api.find(requireResourceByKind(apiVersion, kind), namespace, name) as T | undefined;
  }

  list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): T[] {
    const requirements = parseLabelSelector(labelSelector);
    return this.api
      .list(requireResourceByKind(apiVersion, kind), namespace)
      .filter((object) => matchesRequirements(requirements, object.metadata.labels)) as T[];
  }

  /**
   * Seeds an object without HTTP: creates it, or replaces an existing one (unconditionally).
   * A missing namespace is created, and `.status` is kept for kinds our controllers do not own
   * (Nodes, Namespaces, PVCs...), so a test can seed any state it needs.
   */
  apply<T extends KubeObject>(object: T): T {
    const type = requireResourceByKind(object.apiVersion, object.kind);
    const namespace = type.namespaced ? (object.metadata.namespace ?? 'default') : undefined;
    if (namespace) this.ensureNamespace(namespace);
    const name = object.metadata.name ?? '';
    const existing = name ? this.api.find(type, namespace, name) : undefined;
    let stored: KubeObject;
    if (existing) {
      const next = clone(object) as KubeObject;
      next.metadata = { ...next.metadata, resourceVersion: '' };
      stored = this.api.update(type, next, namespace, name, { manager: SEED_MANAGER, trusted: true });
    } else {
      stored = this.api.create(type, object, namespace, { manager: SEED_MANAGER });
    }
    if (object.status !== undefined && type.subresources.includes('status') && !type.controllerOwnedStatus) {
      stored = this.writeStatus(type, stored, object.status);
    }
    this.afterWrite();
    return (this.api.find(type, namespace, stored.metadata.name ?? '') ?? stored) as T;
  }

  delete(apiVersion: string, kind: string, name: string, namespace?: string): void {
    this.api.delete(requireResourceByKind(apiVersion, kind), namespace, name, {
      manager: SEED_MANAGER,
      propagationPolicy: 'Background',
    });
    this.afterWrite();
  }

  addNode(options: NodeOptions): Node {
    return this.apply(nodeObject(options, this.context.now()));
  }

  /** Flips a node's Ready condition, as a kubelet that stops (or resumes) posting status would. */
  setNodeReady(name: string, ready: boolean): Node {
    return this.setNodeCondition(
      name,
      'Ready',
      ready ? 'True' : 'False',
      ready ? 'KubeletReady' : 'KubeletNotReady',
    );
  }

  /** Sets any node condition (MemoryPressure, DiskPressure, PIDPressure, Ready). */
  setNodeCondition(
    name: string,
    type: string,
    status: Condition['status'],
    reason = `KubeSim${type}${status}`,
  ): Node {
    const node = this.api.get(TYPES.node, undefined, name) as Node;
    const conditions = setCondition(
      node.status?.conditions,
      {
        type,
        status,
        reason,
        message: `set by kube-sim: ${type}=${status}`,
        lastHeartbeatTime: this.context.now(),
      },
      this.context.now(),
    );
    this.writeStatus(TYPES.node, node, { ...node.status, conditions });
    this.afterWrite();
    return this.api.get(TYPES.node, undefined, name) as Node;
  }

  /** kubectl cordon / uncordon. */
  setNodeUnschedulable(name: string, unschedulable: boolean): Node {
    const node = this.api.get(TYPES.node, undefined, name) as Node;
    const spec: NonNullable<Node['spec']> = { ...node.spec, unschedulable };
    if (!unschedulable) delete spec.unschedulable;
    this.api.update(TYPES.node, { ...node, spec }, undefined, name, { manager: SEED_MANAGER, trusted: true });
    this.afterWrite();
    return this.api.get(TYPES.node, undefined, name) as Node;
  }

  /** Sets the text GET .../pods/{name}/log returns, for one container or all of the pod's. */
  setPodLog(namespace: string, pod: string, text: string, container?: string): void {
    this.logs.set(namespace, pod, text, container);
  }

  /** A client-node KubeConfig for this server; the built-in admin token unless another is given. */
  kubeConfig(token: string = this.token, namespace = 'default'): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'kube-sim', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'kube-sim-user', token }],
      contexts: [{ name: 'kube-sim', cluster: 'kube-sim', user: 'kube-sim-user', namespace }],
      currentContext: 'kube-sim',
    });
    return config;
  }

  private writeStatus(type: ResourceType, object: KubeObject, status: unknown): KubeObject {
    return this.api.update(
      type,
      { ...object, status },
      object.metadata.namespace,
      object.metadata.name ?? '',
      {
        subresource: 'status',
        manager: SEED_MANAGER,
        trusted: true,
      },
    );
  }

  private ensureNamespace(name: string): void {
    if (this.api.find(TYPES.namespace, undefined, name)) return;
    this.api.create(TYPES.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, undefined, {
      manager: SEED_MANAGER,
    });
  }

  private afterWrite(): void {
    if ((this.options.controllers ?? 'sync') === 'sync') runToFixedPoint(this.context, this.store);
  }
}

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  return new KubeSim(options).listen();
}
