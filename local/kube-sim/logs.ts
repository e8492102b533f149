import { apiErrors } from './errors.ts';
import type { Pod } from './model.ts';

/**
 * Container logs for GET .../pods/{name}/log. Tests and the local lakehouse set them per pod
 * (and container); otherwise the log is what a starting container plausibly printed.
 */
export interface LogQuery {
  container?: string;
  tailLines?: number;
  /** Bytes from the start of what tailLines selected, as the kubelet cuts (possibly mid-line). */
  limitBytes?: number;
  previous?: boolean;
}

function key(namespace: string, pod: string, container: string | undefined): string {
  return `${namespace}/${pod}/${container ?? ''}`;
}

export class PodLogs {
  private readonly logs = new Map<string, string>();

  /** Sets the log of a pod's container, or of all its containers when `container` is omitted. */
  set(namespace: string, pod: string, text: string, container?: string): void {
    this.logs.set(key(namespace, pod, container), text);
  }

  read(pod: Pod, query: LogQuery): string {
    const containers = pod.spec.containers.map((container) => container.name);
    const name = pod.metadata.name ?? '';
    const container = query.container ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) {
      throw apiErrors.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
      );
    }
    if (!containers.includes(container)) {
      throw apiErrors.badRequest(`container ${container} is not valid for pod ${name}`);
    }
    const status = pod.status?.containerStatuses?.find((entry) => entry.name === container);
    const waiting = status?.state.waiting;
    if (waiting && !query.previous && waiting.reason !== 'CrashLoopBackOff') {
      throw apiErrors.badRequest(
        `container "${container}" in pod "${name}" is waiting to start: ${waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting.reason}`,
      );
    }
    const namespace = pod.metadata.namespace ?? '';
    const text =
      this.logs.get(key(namespace, name, container)) ??
      this.logs.get(key(namespace, name, undefined)) ??
      defaultLog(pod, container);
    const tailed = tail(text, query.tailLines);
    return query.limitBytes === undefined
      ? tailed
      : Buffer.from(tailed, 'utf8').subarray(0, query.limitBytes).toString('utf8');
  }
}

function defaultLog(pod: Pod, container: string): string {
  const image = pod.spec.containers.find((entry) => entry.name === container)?.image ?? '';
  const started = pod.status?.startTime ?? pod.metadata.creationTimestamp ?? '';
  const lines = [
    `${started} INFO starting container ${container} (image ${image})`,
    `${started} INFO pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${pod.spec.nodeName ?? '<unscheduled>'}`,
  ];
  const status = pod.status?.containerStatuses?.find((entry) => entry.name === container);
  const terminated = status?.lastState.terminated ?? status?.state.terminated;
  if (terminated)
    lines.push(
      `${terminated.finishedAt ?? started} ERROR container exited with code ${terminated.exitCode} (${terminated.reason})`,
    );
  else lines.push(`${started} INFO ready`);
  return `${lines.join('\n')}\n`;
}

function tail(text: string, tailLines: number | undefined): string {
  if (tailLines === undefined) return text;
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const kept = tailLines <= 0 ? [] : lines.slice(-tailLines);
  return kept.length > 0 ? `${kept.join('\n')}\n` : '';
}
