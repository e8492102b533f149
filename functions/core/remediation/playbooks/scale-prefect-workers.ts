import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { asleepMark } from '../../cost/off-hours/annotations.ts';
import { fenceMark } from '../../dr/fence/marks.ts';
import { scalePrefectWorkersParams } from './catalogue.ts';
import { definePlaybook, refused, tell } from './playbook.ts';
import { workloadSnapshot } from './workloads.ts';

/**
 * More Prefect workers for a work queue with late flow runs: the worker Deployment's replicas grow
 * by `step` (default 1), never beyond `max`. Each worker polls the pool on its own, so more
 * replicas drain the backlog without any coordination; the bound keeps a runaway backlog (a flow
 * that cannot succeed) from taking the cluster's capacity. A worker put to sleep by the off-hours
 * scale-down is never woken here: that is the wake-up's job, with everything else it restores. Nor
 * is a worker the DR fence stopped (functions/core/dr/fence/marks.ts).
 */
export const DEFAULT_WORKER_STEP = 1;

export const scalePrefectWorkers = definePlaybook(
  'scale-prefect-workers',
  scalePrefectWorkersParams,
  async (context) => {
    const { kubernetes, target, dryRun, params } = context;
    const namespace = target.namespace ?? '';
    const path = kubernetesResources.deployments.named(namespace, target.name);
    const described = `Deployment ${namespace}/${target.name}`;
    const deployment = await kubernetes.get(path);
    if (!deployment) return refused(`${described} does not exist`);
    const before = workloadSnapshot({ kind: 'Deployment', object: deployment });
    // Work queued at night waits for the morning: the off-hours wake restores the workers.
    const asleep = asleepMark(deployment.metadata);
    if (asleep) {
      return refused(
        `${described} is asleep for off-hours since ${asleep.since}: its backlog waits for the wake-up${asleep.wakeCommand ? ` (early: ${asleep.wakeCommand})` : ''}`,
        before,
      );
    }
    // A fenced primary's writers stay stopped: the DR side takes the writes until dr-failback.
    const fenced = fenceMark(deployment.metadata);
    if (fenced) {
      return refused(
        `${described} is fenced by failover ${fenced.failoverId}${fenced.since ? ` since ${fenced.since}` : ''}: its workers start again when dr-failback lifts the fence`,
        before,
      );
    }
    const current = deployment.spec?.replicas ?? 1;
    if (current >= params.max) {
      return refused(`${described} already runs ${current} workers, the bound is ${params.max}`, before);
    }
    const replicas = Math.min(current + (params.step ?? DEFAULT_WORKER_STEP), params.max);
    const scaled = await kubernetes.patch(path, { spec: { replicas } }, { strategy: 'merge', dryRun });
    const change = `replicas ${current} -> ${replicas}`;
    return {
      outcome: 'acted',
      detail: tell(
        dryRun,
        `scaled ${described} from ${current} to ${replicas} workers (bound ${params.max})`,
        `would scale ${described} from ${current} to ${replicas} workers (bound ${params.max})`,
      ),
      before,
      after: workloadSnapshot({ kind: 'Deployment', object: scaled }),
      changes: [{ kind: 'Deployment', namespace, name: target.name, change }],
    };
  },
);
