import { noParams } from './catalogue.ts';
import { definePlaybook, refused, tell } from './playbook.ts';
import { patchWorkload, resolveWorkload, workloadSnapshot } from './workloads.ts';

/**
 * `kubectl rollout restart`: a new `kubectl.kubernetes.io/restartedAt` annotation in the pod
 * template, so the controller replaces the pods by its own update strategy (surge and
 * unavailability limits). Refused where that restarts nothing or restarts everything at once
 * against the owner's intent: a paused Deployment (someone is holding its rollout) and a
 * StatefulSet with the OnDelete strategy (a template change rolls no pod).
 */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export const rolloutRestart = definePlaybook('rollout-restart', noParams, async (context) => {
  const { kubernetes, target, dryRun, now } = context;
  const resolution = await resolveWorkload(kubernetes, target);
  if (!resolution.found) return refused(`nothing to restart: ${resolution.reason}`);
  const { workload, namespace, name } = resolution;
  const before = workloadSnapshot(workload);
  const described = `${workload.kind} ${namespace}/${name}`;
  if (workload.kind === 'Deployment' && workload.object.spec?.paused) {
    return refused(`${described} is paused: its rollout is held on purpose, so it is not restarted`, before);
  }
  if (workload.kind === 'StatefulSet' && workload.object.spec?.updateStrategy?.type === 'OnDelete') {
    return refused(`${described} updates OnDelete: a restart annotation would restart no pod`, before);
  }
  const restartedAt = now.toISOString();
  const patched = await patchWorkload(
    kubernetes,
    workload,
    { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } },
    dryRun,
  );
  return {
    outcome: 'acted',
    detail: tell(dryRun, `restarted ${described} (restartedAt ${restartedAt})`, `would restart ${described}`),
    before,
    after: workloadSnapshot(patched),
    changes: [{ kind: workload.kind, namespace, name, change: `restartedAt ${restartedAt}` }],
  };
});
