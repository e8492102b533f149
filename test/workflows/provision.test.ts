import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IMAGES } from '../../cluster-manifests/src/images.ts';
import type { ProvisionReport } from '../../functions/core/provision/report.ts';
import { emptyCluster } from '../../local/lakehouse/empty-cluster.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../local/lakehouse/index.ts';
import type { ExecutionResult } from '../../local/runner/execution-result.ts';
import { type LocalWorkflows, loadWorkflows } from '../../local/runner/workflows.ts';

// The synthesized provision state machine, run by the local runner against a local lakehouse whose
// cluster was emptied first: the same ASL and handlers as in AWS, validate-platform nested.
const WORKFLOW = 'provision';
const INPUT = { environment: 'development', requestedBy: 'vitest' };

describe('provision workflow', () => {
  let lakehouse: LocalLakehouse;
  let workflows: LocalWorkflows;

  beforeAll(async () => {
    lakehouse = await startLocalLakehouse();
    workflows = await loadWorkflows({ environment: 'development', localEnvironment: lakehouse.environment });
    await emptyCluster({ ...lakehouse, removedNodeGroup: 'compute' });
  }, 120_000);
  afterAll(() => lakehouse?.stop());
  afterEach(() => vi.unstubAllEnvs());

  const reportOf = (result: ExecutionResult): ProvisionReport =>
    (result.status === 'SUCCEEDED' ? result.output : JSON.parse(result.cause ?? '{}')) as ProvisionReport;
  const nodeGroupNames = async () =>
    (await fetch(`${lakehouse.awsSim.url}/clusters/${lakehouse.clusterName}/node-groups`).then((r) =>
      r.json(),
    )) as {
      nodegroups: string[];
    };

  it('dry-runs the empty cluster: every object and bucket would be created, and nothing is', async () => {
    const result = await workflows.runWorkflow(WORKFLOW, { ...INPUT, dryRun: true });

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = reportOf(result);
    expect(report).toMatchObject({ status: 'DRY_RUN', validation: { status: 'SKIPPED' } });
    expect(report.summary.changed + report.summary.unchanged).toBeLessThan(report.summary.created);
    expect(report.nodeGroups.find((group) => group.name === 'compute')?.action).toBe('created');
    expect(
      report.stages.flatMap((stage) => stage.objects).every((object) => object.action === 'created'),
    ).toBe(true);
    expect(lakehouse.kube.get('v1', 'Namespace', 'prefect')).toBeUndefined();
    expect((await nodeGroupNames()).nodegroups).not.toContain('compute');
    expect(result.timeline.find((entry) => entry.state === 'ValidatePlatform')).toBeUndefined();
  }, 120_000);

  it('stops at a rollout that cannot finish, with a report naming the workload and why, and notifies', async () => {
    lakehouse.kube.images.remove(IMAGES.grafana);
    vi.stubEnv('PROVISION_ROLLOUT_TIMEOUT_SECONDS', '1');
    const before = lakehouse.published.length;

    const result = await workflows.runWorkflow(WORKFLOW, INPUT);

    expect(result).toMatchObject({ status: 'FAILED', error: 'ProvisionFailed' });
    const report = reportOf(result);
    expect(report.status).toBe('FAILED');
    expect(report.failure?.error).toBe('RolloutFailedError');
    expect(report.failure?.detail).toMatch(
      /^stage 80-monitoring: rollouts not complete by .*Deployment monitoring\/grafana/,
    );
    expect(report.failure?.detail).toContain('ImagePullBackOff');
    // What was applied before the failure is in the report: every stage, the stopped one last.
    expect(report.stages.map((stage) => stage.stage).at(-1)).toBe('80-monitoring');
    expect(report.stages.find((stage) => stage.stage === '00-namespaces')?.created).toBe(4);
    expect(lakehouse.published.slice(before).map((message) => message.subject)).toEqual([
      '[local] lakehouse-ops development: provision FAILED',
    ]);
  }, 120_000);

  it('completes on a re-run once the image exists: node groups, manifests, buckets, and a HEALTHY validate-platform', async () => {
    lakehouse.kube.images.add(IMAGES.grafana);
    await lakehouse.kube.settle();

    const result = await workflows.runWorkflow(WORKFLOW, INPUT);

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = reportOf(result);
    expect(report).toMatchObject({ status: 'PROVISIONED', validation: { status: 'HEALTHY' } });
    expect(report.validation.detail).toBe('validate-platform HEALTHY: 7 passed, 0 failed, 0 errored');
    expect(Object.fromEntries(report.nodeGroups.map((group) => [group.name, group.action]))).toEqual({
      system: 'unchanged',
      storage: 'unchanged',
      compute: 'unchanged',
    });
    expect(report.buckets.map((bucket) => [bucket.bucket, bucket.action, bucket.versioning])).toEqual([
      // The failed run stopped before the buckets.
      ['lakehouse-raw', 'created', 'unsupported'],
      ['lakehouse-curated', 'created', 'unsupported'],
      ['lakehouse-ops-probe', 'unchanged', 'not configured'],
    ]);
    expect(result.timeline.find((entry) => entry.state === 'ValidatePlatform')?.status).toBe('SUCCEEDED');
    // Each run is in the audit trail with its outcome; the failed one released its lock (or this
    // run could not have taken it).
    const audit = await lakehouse.readAuditTrail('provision', lakehouse.clusterName);
    expect(audit.map((record) => [record.decision, record.actor])).toEqual([
      ['DRY_RUN', 'vitest'],
      ['FAILED', 'vitest'],
      ['PROVISIONED', 'vitest'],
    ]);
    expect(audit.at(-1)?.after).toMatchObject({ status: 'PROVISIONED', summary: report.summary });
    expect(result.timeline.map((entry) => entry.state)).toEqual(
      expect.arrayContaining(['AcquireProvisionLock', 'ReleaseProvisionLock', 'RecordProvisionAudit']),
    );
  }, 120_000);

  it('changes nothing when run again: every object, node group and bucket unchanged', async () => {
    const versions = () =>
      lakehouse.kube.list('apps/v1', 'Deployment').map((deployment) => deployment.metadata.resourceVersion);
    const before = versions();

    const result = await workflows.runWorkflow(WORKFLOW, INPUT);

    const report = reportOf(result);
    expect(report.status).toBe('PROVISIONED');
    expect(report.summary).toMatchObject({ created: 0, changed: 0 });
    expect(report.summary.unchanged).toBeGreaterThan(100);
    expect(versions()).toEqual(before);
  }, 120_000);

  it('shows a pending change in a dry run, and leaves it pending', async () => {
    // Someone scaled the Prefect server by hand, as `kubectl scale` would.
    const deployment = () =>
      lakehouse.kube.get('apps/v1', 'Deployment', 'prefect-server', 'prefect') as V1Deployment;
    lakehouse.kube.apply({ ...deployment(), spec: { ...deployment().spec!, replicas: 2 } } as never);

    const result = await workflows.runWorkflow(WORKFLOW, { ...INPUT, components: ['prefect'], dryRun: true });

    const report = reportOf(result);
    expect(report).toMatchObject({ status: 'DRY_RUN', summary: { created: 0, changed: 1 } });
    expect(report.stages.flatMap((stage) => stage.objects)).toEqual([
      {
        object: 'Deployment prefect/prefect-server',
        action: 'changed',
        fields: ['spec.replicas'],
        fieldCount: 1,
      },
    ]);
    expect(deployment().spec?.replicas).toBe(2);
  }, 120_000);
});
