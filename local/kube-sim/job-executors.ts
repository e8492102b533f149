/**
 * Job executors: how a run-to-completion container in kube-sim does real work. kube-sim has no
 * container runtime, so a pod normally "completes" at once. For an image registered here, the
 * kubelet instead hands the container to an async executor, keeps the pod Running while it works,
 * and ends the container with the executor's exit code; its output becomes the pod's log (and, with
 * terminationMessagePolicy FallbackToLogsOnError, the termination message, as a kubelet does).
 *
 * An executor sees the container exactly as the image would: its command, args and environment,
 * with env resolved as the kubelet resolves it (value, secretKeyRef, configMapKeyRef, fieldRef).
 * hostCommandExecutor() runs that command as a host process, for images whose tools the machine
 * has (local/postgres registers the pg-tools image this way). Images without an executor behave as
 * before. This file is the only place where kube-sim runs anything.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControllerContext } from './controllers/context.ts';
import { normalizeImage } from './images.ts';
import type { PodLogs } from './logs.ts';
import type { Container, KubeObject, Pod } from './model.ts';
import { requireResourceByKind } from './resources.ts';

export interface ContainerRun {
  namespace: string;
  pod: string;
  container: Container;
  /** The container's environment, resolved (secrets decoded), without the host's. */
  env: Record<string, string>;
  /** Aborted when kube-sim stops: the executor must stop its work. */
  signal: AbortSignal;
}

export interface ContainerExit {
  exitCode: number;
  /** Everything the container printed, stdout and stderr interleaved. */
  log: string;
}

export type JobExecutor = (run: ContainerRun) => Promise<ContainerExit>;

/** Image repository (`ghcr.io/lakehouse-ops/pg-tools`; any tag or digest matches) -> executor. */
export type JobExecutorRegistry = Record<string, JobExecutor>;

export type ExecutedOutcome = 'ready' | 'completed' | 'failed';

export interface Termination {
  exitCode: number;
  message?: string;
}

/** What a kubelet copies into the termination message from a failed container's log. */
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

/** `ghcr.io/x/pg-tools:15.8-1@sha256:...` -> `ghcr.io/x/pg-tools`. */
export function imageRepository(image: string): string {
  const normalized = normalizeImage(image).replace(/@.*$/, '');
  const slash = normalized.lastIndexOf('/');
  const colon = normalized.lastIndexOf(':');
  return colon > slash ? normalized.slice(0, colon) : normalized;
}

interface Execution {
  done: Promise<void>;
  exit?: ContainerExit;
}

export class JobExecutions {
  private readonly executors: Map<string, JobExecutor>;
  private readonly executions = new Map<string, Execution>();
  private readonly abort = new AbortController();

  constructor(
    registry: JobExecutorRegistry,
    private readonly logs: PodLogs,
    /** Called when an execution ends, to let the controllers move the pod and its Job on. */
    private readonly onExit: () => void,
  ) {
    this.executors = new Map(
      Object.entries(registry).map(([image, executor]) => [imageRepository(image), executor]),
    );
  }

  /**
   * For the kubelet: the state of a run-to-completion container whose image has an executor
   * (starting it on first sight), or undefined to let the kubelet simulate it as usual.
   */
  outcomeFor(context: ControllerContext, pod: Pod, container: Container): ExecutedOutcome | undefined {
    const executor = container.image ? this.executors.get(imageRepository(container.image)) : undefined;
    if (!executor) return undefined;
    const key = executionKey(pod, container);
    const execution = this.executions.get(key);
    if (!execution) {
      this.start(key, executor, pod, container, () => resolveEnvironment(context, pod, container));
      return 'ready';
    }
    if (!execution.exit) return 'ready';
    return execution.exit.exitCode === 0 ? 'completed' : 'failed';
  }

  /** The exit code (and termination message) of a container an executor ran to its end. */
  terminationOf(pod: Pod, container: Container): Termination | undefined {
    const exit = this.executions.get(executionKey(pod, container))?.exit;
    if (!exit) return undefined;
    const fallBackToLog =
      exit.exitCode !== 0 && container.terminationMessagePolicy === 'FallbackToLogsOnError';
    return { exitCode: exit.exitCode, ...(fallBackToLog ? { message: logTail(exit.log) } : {}) };
  }

  /** Resolves once no execution is running. */
  async idle(): Promise<void> {
    while ([...this.executions.values()].some((execution) => !execution.exit)) {
      await Promise.all([...this.executions.values()].map((execution) => execution.done));
    }
  }

  /** Aborts every running execution and waits for them to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.executions.values()].map((execution) => execution.done));
  }

  private start(
    key: string,
    executor: JobExecutor,
    pod: Pod,
    container: Container,
    environment: () => Record<string, string>,
  ): void {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const execution: Execution = { done: Promise.resolve() };
    const run = async (): Promise<ContainerExit> => {
      const env = environment();
      return executor({ namespace, pod: name, container, env, signal: this.abort.signal });
    };
    execution.done = run()
      .catch((error: unknown) => ({ exitCode: 1, log: `${describeFailure(error)}\n` }))
      .then((exit) => {
        execution.exit = exit;
        this.logs.set(namespace, name, exit.log, container.name);
        if (this.abort.signal.aborted) return;
        try {
          this.onExit();
        } catch (error) {
          console.error('kube-sim: controllers failed after a job execution ended', error);
        }
      });
    this.executions.set(key, execution);
  }
}

function executionKey(pod: Pod, container: Container): string {
  return `${pod.metadata.uid}/${container.name}`;
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? `Error: ${error.message}` : `Error: ${String(error)}`;
}

function logTail(log: string): string {
  const lines = log.replace(/\n$/, '').split('\n').slice(-FALLBACK_LOG_LINES).join('\n');
  const bytes = Buffer.from(lines);
  return bytes.length <= FALLBACK_LOG_BYTES ? lines : bytes.subarray(-FALLBACK_LOG_BYTES).toString();
}

interface KeyReference {
  name: string;
  key: string;
  optional?: boolean;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: KeyReference;
    configMapKeyRef?: KeyReference;
    fieldRef?: { fieldPath: string };
  };
}

/**
 * The container's environment as the kubelet builds it. A missing secret or key is an error (the
 * kubelet's CreateContainerConfigError); here the container fails with that message instead.
 */
function resolveEnvironment(
  context: ControllerContext,
  pod: Pod,
  container: Container,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of (container.env ?? []) as EnvVar[]) {
    const value = resolveVariable(context, pod, variable);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

function resolveVariable(context: ControllerContext, pod: Pod, variable: EnvVar): string | undefined {
  const source = variable.valueFrom;
  if (!source) return variable.value ?? '';
  if (source.secretKeyRef) return referencedKey(context, pod, 'Secret', source.secretKeyRef);
  if (source.configMapKeyRef) return referencedKey(context, pod, 'ConfigMap', source.configMapKeyRef);
  if (source.fieldRef) return podField(pod, source.fieldRef.fieldPath);
  throw new Error(
    `env ${variable.name}: only value, secretKeyRef, configMapKeyRef and fieldRef are supported`,
  );
}

function referencedKey(
  context: ControllerContext,
  pod: Pod,
  kind: 'Secret' | 'ConfigMap',
  reference: KeyReference,
): string | undefined {
  const namespace = pod.metadata.namespace ?? 'default';
  const object = context.api.find(requireResourceByKind('v1', kind), namespace, reference.name) as
    | (KubeObject & { data?: Record<string, string> })
    | undefined;
  const raw = object?.data?.[reference.key];
  if (raw === undefined) {
    if (reference.optional) return undefined;
    throw new Error(
      object
        ? `couldn't find key ${reference.key} in ${kind} ${namespace}/${reference.name}`
        : `${kind.toLowerCase()} "${reference.name}" not found in namespace ${namespace}`,
    );
  }
  return kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

function podField(pod: Pod, fieldPath: string): string {
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec.nodeName,
    'spec.serviceAccountName': pod.spec.serviceAccountName as string | undefined,
  };
  if (!(fieldPath in fields)) throw new Error(`fieldRef ${fieldPath} is not supported by kube-sim`);
  return fields[fieldPath] ?? '';
}

export interface HostCommandOptions {
  /** PATH inside the "image": where the tools the container expects live on this machine. */
  path: string;
  /** Added under the container's own env, as a pod identity webhook adds credentials. */
  environment?: Record<string, string>;
  /** The container is killed after this long (default 5 minutes). */
  timeoutMs?: number;
}

/**
 * Runs the container's command + args as a process on this machine, with the container's env (and
 * nothing of the host's but what `options` adds), a private TMPDIR standing in for the pod's
 * emptyDir, and stdout and stderr captured together as the pod log.
 */
export function hostCommandExecutor(options: HostCommandOptions): JobExecutor {
  return async ({ container, env, signal }) => {
    const argv = [...((container.command ?? []) as string[]), ...((container.args ?? []) as string[])];
    const [command, ...args] = argv;
    if (!command)
      throw new Error(`container ${container.name} has no command: the host cannot run an image entrypoint`);
    const scratch = await mkdtemp(join(tmpdir(), 'kube-sim-container-'));
    try {
      return await runProcess(command, args, {
        env: { ...options.environment, ...env, PATH: options.path, TMPDIR: scratch },
        signal,
        timeoutMs: options.timeoutMs ?? 300_000,
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };
}

function runProcess(
  command: string,
  args: string[],
  { env, signal, timeoutMs }: { env: Record<string, string>; signal: AbortSignal; timeoutMs: number },
): Promise<ContainerExit> {
  return new Promise((settle) => {
    let settled = false;
    const resolve = (exit: ContainerExit) => {
      if (!settled) settle(exit);
      settled = true;
    };
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const append = (chunk: Buffer) => {
      log += chunk.toString('utf8');
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const kill = (why: string) => {
      log += `${why}\n`;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(`killed after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => kill('killed: kube-sim stopped');
    signal.addEventListener('abort', onAbort, { once: true });
    // kube-sim may have stopped while the container was being set up.
    if (signal.aborted) onAbort();
    const finish = (exitCode: number) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, log });
    };
    // The command could not be started at all: a runtime reports 127 (command not found).
    child.on('error', (error) => {
      append(Buffer.from(`${describeFailure(error)}\n`));
      finish(127);
    });
    // 128 + signal number, as a container runtime reports a killed process (SIGKILL: 137).
    child.on('close', (code, killedBy) => finish(code ?? (killedBy === 'SIGKILL' ? 137 : 128)));
  });
}
