import { z } from 'zod';
import { emptyCluster } from '../../lakehouse/empty-cluster.ts';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { describeExecution, documentOf } from './execution-document.ts';
import type { DrillScenario, ScenarioVerdict } from './scenarios.ts';

/**
 * The drill's provision scenarios, run last (they replace the seeded platform with the one
 * cluster-manifests describes): the cluster is emptied (lakehouse namespaces deleted, a node group
 * gone, the others at their seeded sizes), then provision must bring it to a green validate-platform;
 * a second run must change nothing; and a dry run after someone scaled the Prefect server by hand
 * must show exactly that pending change, and leave it pending.
 */
export const PROVISION_WORKFLOW = 'provision';
const PREFECT_SERVER = { namespace: 'prefect', name: 'prefect-server' };
/** The node group the emptied cluster lacks, which provision creates again. */
const REMOVED_NODE_GROUP = 'compute';

/** The report fields the drill reads (functions/core/provision/report.ts builds the report). */
const provisionReportSchema = z.object({
  status: z.enum(['PROVISIONED', 'DRY_RUN', 'FAILED', 'UNHEALTHY']),
  summary: z.object({ created: z.number(), changed: z.number(), unchanged: z.number() }),
  nodeGroups: z.array(z.object({ name: z.string(), action: z.string() })),
  stages: z.array(
    z.object({
      stage: z.string(),
      objects: z.array(
        z.object({ object: z.string(), action: z.string(), fields: z.array(z.string()).optional() }),
      ),
    }),
  ),
  buckets: z.array(
    z.object({
      bucket: z.string(),
      action: z.string(),
      versioning: z.string(),
      lifecycle: z.string(),
      notifications: z.string(),
    }),
  ),
  validation: z.object({ status: z.string(), detail: z.string() }),
  failure: z.object({ error: z.string(), detail: z.string() }).optional(),
});
type ProvisionDrillReport = z.infer<typeof provisionReportSchema>;

function reportOf(result: ExecutionResult): ProvisionDrillReport | undefined {
  return documentOf(result, provisionReportSchema, 'ProvisionFailed');
}

const input = (environment: string, extra: Record<string, unknown> = {}) => ({
  environment,
  requestedBy: 'lakehouse-ops-drill',
  ...extra,
});

function summaryLine(report: ProvisionDrillReport): string {
  const { created, changed, unchanged } = report.summary;
  return `${created} created, ${changed} changed, ${unchanged} unchanged; validation ${report.validation.status}`;
}

/** Settings s3rver answers NotImplemented for: the drill says which, as the report does. */
function unsupportedSettings(report: ProvisionDrillReport): string[] {
  const settings = ['versioning', 'lifecycle', 'notifications'] as const;
  const unsupported = settings.filter((setting) =>
    report.buckets.some((bucket) => bucket[setting] === 'unsupported'),
  );
  return unsupported.length > 0
    ? [`MinIO stand-in (s3rver) does not implement bucket ${unsupported.join(', ')}: reported unsupported`]
    : [];
}

function judge(result: ExecutionResult, expect: (report: ProvisionDrillReport) => string[]): ScenarioVerdict {
  const report = reportOf(result);
  if (!report) return { passed: false, problems: [`no provision report: ${describeExecution(result)}`] };
  const problems = expect(report);
  if (report.failure) problems.push(`${report.failure.error}: ${report.failure.detail}`);
  return {
    passed: problems.length === 0,
    problems,
    reportStatus: report.status,
    details: [summaryLine(report), ...unsupportedSettings(report)],
  };
}

function changedObjects(report: ProvisionDrillReport) {
  return report.stages.flatMap((stage) => stage.objects).filter((object) => object.action !== 'unchanged');
}

const emptyClusterScenario: DrillScenario = {
  id: 'provision-empty-cluster',
  title: 'Empty cluster provisioned to a green validate-platform',
  workflow: PROVISION_WORKFLOW,
  input: ({ environment }: { environment: string }) => input(environment),
  inject: async (lakehouse: LocalLakehouse) => {
    await emptyCluster({ ...lakehouse, removedNodeGroup: REMOVED_NODE_GROUP });
    // The provisioned platform is the one the remaining scenarios work on: nothing to put back.
    return async () => {};
  },
  evaluate: (result) =>
    judge(result, (report) => {
      const problems: string[] = [];
      if (report.status !== 'PROVISIONED') problems.push(`report is ${report.status}, expected PROVISIONED`);
      if (report.validation.status !== 'HEALTHY') problems.push(report.validation.detail);
      const created = report.nodeGroups.find((group) => group.name === REMOVED_NODE_GROUP)?.action;
      if (created !== 'created')
        problems.push(`node group ${REMOVED_NODE_GROUP} was ${created ?? 'not reported'}, expected created`);
      if (report.summary.created === 0) problems.push('nothing was created on an empty cluster');
      return problems;
    }),
};

const rerunScenario: DrillScenario = {
  id: 'provision-rerun',
  title: 'Provision again: a no-op',
  workflow: PROVISION_WORKFLOW,
  input: ({ environment }: { environment: string }) => input(environment),
  evaluate: (result) =>
    judge(result, (report) => {
      const problems: string[] = [];
      if (report.status !== 'PROVISIONED') problems.push(`report is ${report.status}, expected PROVISIONED`);
      if (report.summary.created + report.summary.changed > 0) {
        const changed = changedObjects(report).map((object) => `${object.object} ${object.action}`);
        problems.push(
          `a re-run changed something: ${summaryLine(report)}${changed.length ? ` (${changed.join(', ')})` : ''}`,
        );
      }
      return problems;
    }),
};

const SCALED_BY_HAND = 2;

const dryRunScenario: DrillScenario = {
  id: 'provision-dry-run',
  title: 'Dry run after a manual kubectl scale: the pending change, nothing applied',
  workflow: PROVISION_WORKFLOW,
  input: ({ environment }: { environment: string }) =>
    input(environment, { components: ['prefect'], dryRun: true }),
  inject: async (lakehouse) => {
    const original = scalePrefectServer(lakehouse, SCALED_BY_HAND);
    return async () => {
      scalePrefectServer(lakehouse, original);
      await lakehouse.kube.settle();
    };
  },
  evaluate: (result, { lakehouse }) =>
    judge(result, (report) => {
      const problems: string[] = [];
      if (report.status !== 'DRY_RUN') problems.push(`report is ${report.status}, expected DRY_RUN`);
      const pending = changedObjects(report);
      const expected = `Deployment ${PREFECT_SERVER.namespace}/${PREFECT_SERVER.name}`;
      if (
        pending.length !== 1 ||
        pending[0]?.object !== expected ||
        pending[0]?.fields?.[0] !== 'spec.replicas'
      ) {
        problems.push(
          `expected one pending change, ${expected} spec.replicas; got ${JSON.stringify(pending)}`,
        );
      }
      const replicas = prefectServerReplicas(lakehouse);
      if (replicas !== SCALED_BY_HAND)
        problems.push(`the dry run changed the Deployment: ${replicas} replicas`);
      return problems;
    }),
};

function prefectServerReplicas(lakehouse: LocalLakehouse): number | undefined {
  const deployment = lakehouse.kube.get(
    'apps/v1',
    'Deployment',
    PREFECT_SERVER.name,
    PREFECT_SERVER.namespace,
  );
  return (deployment?.spec as { replicas?: number } | undefined)?.replicas;
}

/** `kubectl scale`: returns the replica count it replaced. */
function scalePrefectServer(lakehouse: LocalLakehouse, replicas: number): number {
  const deployment = lakehouse.kube.get(
    'apps/v1',
    'Deployment',
    PREFECT_SERVER.name,
    PREFECT_SERVER.namespace,
  );
  if (!deployment)
    throw new Error(`Deployment ${PREFECT_SERVER.namespace}/${PREFECT_SERVER.name} does not exist`);
  const spec = deployment.spec as { replicas?: number };
  const previous = spec.replicas ?? 1;
  lakehouse.kube.apply({ ...deployment, spec: { ...spec, replicas } });
  return previous;
}

export const PROVISION_DRILL_SCENARIOS: readonly DrillScenario[] = [
  emptyClusterScenario,
  rerunScenario,
  dryRunScenario,
];
