import type { V1ObjectMeta } from '@kubernetes/client-node';
import { namedError } from '../../../commons/errors.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { fenceMark } from '../../dr/fence/marks.ts';
import { listInScope } from './workload-scaling.ts';

/**
 * Off-hours never acts on a fenced primary (docs/cost.md, "Off-hours and the DR fence"). A wake
 * would start the writers dr-failover stopped, while the DR side takes the writes; a sleep would
 * save the fence's zeros as the counts the next wake restores, so that the lifted fence comes back
 * to an environment whose writers stay at zero. The fence's marks on the workloads are its record
 * here: set by fence-primary, removed only by lift-fence (dr-failback).
 */
export class EnvironmentFencedError extends namedError('EnvironmentFencedError') {}

/** Throws EnvironmentFencedError when any Deployment, StatefulSet or CronJob in `namespaces` carries the fence's mark. */
export async function refuseWhileFenced(
  kubernetes: KubernetesApi,
  request: { readonly action: string; readonly environment: string },
  namespaces: readonly string[],
): Promise<void> {
  const [deployments, statefulSets, cronJobs] = await Promise.all([
    listInScope(namespaces, (ns) => kubernetes.list(kubernetesResources.deployments.inNamespace(ns))),
    listInScope(namespaces, (ns) => kubernetes.list(kubernetesResources.statefulSets.inNamespace(ns))),
    listInScope(namespaces, (ns) => kubernetes.list(kubernetesResources.cronJobs.inNamespace(ns))),
  ]);
  const named = (kind: string) => (object: { metadata?: V1ObjectMeta }) => ({
    kind,
    metadata: object.metadata,
  });
  const fenced = [
    ...deployments.map(named('Deployment')),
    ...statefulSets.map(named('StatefulSet')),
    ...cronJobs.map(named('CronJob')),
  ].flatMap(({ kind, metadata }) => {
    const mark = fenceMark(metadata);
    return mark
      ? [{ name: `${kind} ${metadata?.namespace}/${metadata?.name}`, failoverId: mark.failoverId }]
      : [];
  });
  if (fenced.length === 0) return;
  const failovers = [...new Set(fenced.map((object) => object.failoverId))];
  throw new EnvironmentFencedError(
    `off-hours ${request.action} of ${request.environment} is refused: its primary is fenced by failover ${failovers.join(', ')} (${fenced.length} objects marked, first ${fenced[0]!.name}); lift the fence with dr-failback first`,
    { environment: request.environment, failovers, fenced: fenced.slice(0, 10).map((object) => object.name) },
  );
}
