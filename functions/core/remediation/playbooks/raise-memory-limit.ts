import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { MIB, parseBytes } from '../../kubernetes/quantities.ts';
import { growthParams } from './catalogue.ts';
import { definePlaybook, type PlaybookChange, refused, tell } from './playbook.ts';
import { formatBytes, grownBytes } from './quantities.ts';
import {
  patchWorkload,
  podsOfWorkload,
  resolveWorkload,
  templateOf,
  type Workload,
  workloadSnapshot,
} from './workloads.ts';

/**
 * More memory for an OOM-killed container: its limit grows by `factor` (default 1.25), rounded up
 * to a whole MiB, never beyond `maxBytes`; its request grows with it when the two were equal, so
 * a Guaranteed pod stays Guaranteed. The new template rolls the workload's pods.
 *
 * At most once a day per workload: the raise is recorded in an annotation on the workload itself
 * (it travels with the object, survives any number of executions, and shows in `kubectl describe`),
 * and a second OOM kill within 24 hours is refused, so a leak escalates to a person instead of
 * climbing to the cap unattended.
 */
export const MEMORY_RAISED_AT_ANNOTATION = 'lakehouse-ops.io/memory-raised-at';
export const DEFAULT_MEMORY_FACTOR = 1.25;
const RAISE_INTERVAL_MS = 24 * 3_600_000;

/** Containers whose last (or current) termination was an OOM kill, in any of the workload's pods. */
function oomKilledContainers(pods: readonly V1Pod[]): string[] {
  const names = pods.flatMap((pod) =>
    (pod.status?.containerStatuses ?? [])
      .filter(
        (status) =>
          status.lastState?.terminated?.reason === 'OOMKilled' ||
          status.state?.terminated?.reason === 'OOMKilled',
      )
      .map((status) => status.name),
  );
  return [...new Set(names)];
}

interface Raise {
  readonly container: string;
  readonly limit: string;
  readonly newLimit: string;
  /** The request, raised with the limit because it equalled it. */
  readonly request?: string;
}

type Plan = { raises: Raise[] } | { refusal: string };

function planRaises(
  containers: readonly V1Container[],
  names: readonly string[],
  params: { factor?: number | undefined; maxBytes: number },
): Plan {
  const raises: Raise[] = [];
  for (const name of names) {
    const container = containers.find((candidate) => candidate.name === name);
    if (!container) return { refusal: `the pod template has no container ${name}` };
    const limit = container.resources?.limits?.memory;
    if (!limit) return { refusal: `container ${name} has no memory limit to raise` };
    const grown = grownBytes(parseBytes(limit), params.factor ?? DEFAULT_MEMORY_FACTOR, params.maxBytes, MIB);
    if (grown === undefined) {
      return {
        refusal: `container ${name}'s memory limit ${limit} is at the cap ${formatBytes(params.maxBytes)}`,
      };
    }
    const request = container.resources?.requests?.memory;
    const raisesRequest = request !== undefined && parseBytes(request) === parseBytes(limit);
    raises.push({
      container: name,
      limit,
      newLimit: formatBytes(grown),
      ...(raisesRequest ? { request } : {}),
    });
  }
  return { raises };
}

/** The container the alert names (its `container` label), or else those the pods show OOM-killed. */
async function containersToRaise(
  kubernetes: KubernetesApi,
  labels: Readonly<Record<string, string>>,
  workload: Workload,
): Promise<string[]> {
  if (labels.container) return [labels.container];
  return oomKilledContainers(await podsOfWorkload(kubernetes, workload));
}

export const raiseMemoryLimit = definePlaybook('raise-memory-limit', growthParams, async (context) => {
  const { kubernetes, target, dryRun, params, now } = context;
  const resolution = await resolveWorkload(kubernetes, target);
  if (!resolution.found) return refused(`no workload to raise the memory of: ${resolution.reason}`);
  const { workload, namespace, name } = resolution;
  const described = `${workload.kind} ${namespace}/${name}`;
  const before = workloadSnapshot(workload);
  const raisedAt = workload.object.metadata?.annotations?.[MEMORY_RAISED_AT_ANNOTATION];
  if (raisedAt && now.getTime() - Date.parse(raisedAt) < RAISE_INTERVAL_MS) {
    return refused(
      `the memory of ${described} was raised at ${raisedAt}, less than 24 h ago: a second OOM kill needs a person`,
      before,
    );
  }
  const names = await containersToRaise(kubernetes, context.alert.labels, workload);
  if (names.length === 0) return refused(`no container of ${described} was OOM-killed`, before);
  const plan = planRaises(templateOf(workload)?.spec?.containers ?? [], names, params);
  if ('refusal' in plan) return refused(`${described}: ${plan.refusal}`, before);
  const patched = await patchWorkload(
    kubernetes,
    workload,
    {
      metadata: { annotations: { [MEMORY_RAISED_AT_ANNOTATION]: now.toISOString() } },
      spec: {
        template: {
          spec: {
            containers: plan.raises.map((raise) => ({
              name: raise.container,
              resources: {
                limits: { memory: raise.newLimit },
                ...(raise.request ? { requests: { memory: raise.newLimit } } : {}),
              },
            })),
          },
        },
      },
    },
    dryRun,
  );
  const changes: PlaybookChange[] = plan.raises.map((raise) => ({
    kind: workload.kind,
    namespace,
    name,
    change: `container ${raise.container} memory limit ${raise.limit} -> ${raise.newLimit}${raise.request ? ` (request ${raise.request} -> ${raise.newLimit})` : ''}`,
  }));
  const summary = changes.map((change) => change.change).join('; ');
  return {
    outcome: 'acted',
    detail: tell(dryRun, `raised ${described}: ${summary}`, `would raise ${described}: ${summary}`),
    before,
    after: workloadSnapshot(patched),
    changes,
  };
});
