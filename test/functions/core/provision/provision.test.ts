import { describe, expect, it } from 'vitest';
import { IMAGES } from '../../../../cluster-manifests/src/images.ts';
import { applyStage, type StageResult } from '../../../../functions/core/provision/apply.ts';
import { RolloutFailedError } from '../../../../functions/core/provision/errors.ts';
import { planProvision, stageObjects } from '../../../../functions/core/provision/plan.ts';
import { awaitRollouts } from '../../../../functions/core/provision/rollout.ts';
import { DEVELOPMENT, useProvisionCluster } from './provision-cluster.ts';

/**
 * The provision core end to end against kube-sim, stage after stage as the workflow runs it:
 * apply, then wait for the stage's rollouts. From an empty cluster to every workload rolled out;
 * a second run that changes nothing; a rollout that cannot finish (its image is not in the
 * registry) stops the run naming the workload and its pods; once the image exists a re-run completes.
 */
const plan = planProvision(DEVELOPMENT, {
  environment: 'development',
  components: ['all'],
  dryRun: false,
  requestedBy: 'test',
});
const past = () => new Date(Date.now() - 1000);
const later = () => new Date(Date.now() + 60_000);

describe('provision core', () => {
  const cluster = useProvisionCluster({ missingImages: [IMAGES.grafana] });

  async function provision(): Promise<StageResult[]> {
    const results: StageResult[] = [];
    for (const { name } of plan.stages) {
      const result = await applyStage(
        { kubernetes: cluster.api() },
        name,
        stageObjects(DEVELOPMENT, plan.components, name),
        plan.dryRun,
      );
      results.push(result);
      // kube-sim's controllers run after every write, so a rollout that can finish has finished.
      await awaitRollouts(cluster.api(), name, result.rollouts, past());
    }
    return results;
  }

  it('stops at the first rollout that cannot finish, naming the workload, its status and why its pods wait', async () => {
    const failure = await provision().then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(RolloutFailedError);
    const { message, details } = failure as RolloutFailedError;
    expect(message).toMatch(
      /^stage 80-monitoring: rollouts not complete by .*Deployment monitoring\/grafana: 0 of 1 updated replicas are available/,
    );
    expect(message).toContain('ImagePullBackOff');
    expect(details.workloads).toEqual([
      expect.objectContaining({ workload: 'Deployment monitoring/grafana', state: 'progressing' }),
    ]);
  });

  it('reports a stage still rolling out, without failing, while its deadline has not passed', async () => {
    const result = await applyStage(
      { kubernetes: cluster.api() },
      '80-monitoring',
      stageObjects(DEVELOPMENT, plan.components, '80-monitoring'),
      false,
    );
    const report = await awaitRollouts(cluster.api(), '80-monitoring', result.rollouts, later());

    expect(report.complete).toBe(false);
    expect(report.workloads.find((workload) => workload.workload.includes('grafana'))?.pods?.[0]).toMatch(
      /grafana-.*: container grafana waiting: ImagePullBackOff/,
    );
  });

  it('completes on a re-run once the cause is repaired, with only the stopped stage left to roll out', async () => {
    cluster.sim().images.add(IMAGES.grafana);
    // The kubelet's next pull attempt finds the image.
    await cluster.sim().settle();

    const results = await provision();

    expect(results.map((result) => result.stage)).toEqual(plan.stages.map((stage) => stage.name));
    const changes = results
      .flatMap((result) => result.objects)
      .filter((object) => object.action !== 'unchanged');
    expect(changes).toEqual([]);
  });

  it('reports every object unchanged on the run after, and moves no resourceVersion', async () => {
    const revision = () =>
      cluster
        .sim()
        .list('v1', 'Namespace')
        .map((namespace) => namespace.metadata.resourceVersion);
    const before = revision();

    const results = await provision();

    const objects = results.flatMap((result) => result.objects);
    expect(objects.length).toBe(plan.stages.reduce((total, stage) => total + stage.objectCount, 0));
    expect(new Set(objects.map((object) => object.action))).toEqual(new Set(['unchanged']));
    expect(revision()).toEqual(before);
  });
});
