import type { ClusterEnvironment } from '../environments.ts';

/**
 * The lakehouse-ops dashboard: the operations backend seen from the platform's Grafana. lakehouse-ops
 * runs in Lambda and Step Functions, so its figures are CloudWatch metrics (Powertools EMF in the
 * LakehouseOps namespace, dimensions environment and service) and the AWS/States metrics of its
 * state machines; the object store's are Prometheus'.
 */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  alertmanager: { type: 'alertmanager', uid: 'alertmanager' },
  cloudwatch: { type: 'cloudwatch', uid: 'cloudwatch' },
} as const;

/** The CloudWatch namespace of lakehouse-ops' metrics (infra/stacks/ops-functions.ts). */
export const METRICS_NAMESPACE = 'LakehouseOps';

/**
 * The metrics the dashboard reads. The backup and validation ones exist (functions/core/); the
 * remediation and cost ones are the contract for those workflows: RemediationActions (Count, with
 * dimensions playbook and outcome), CostSavingsEstimatedMonthly and CostSavingsRealisedMonthly
 * (USD per month, the latest cost-optimise run's figures).
 */
export const DASHBOARD_METRICS = {
  backupRpo: 'BackupAchievedRpo',
  backupSucceeded: 'BackupSucceeded',
  backupBucketsFailed: 'BackupBucketsFailed',
  verifyBackupSucceeded: 'VerifyBackupSucceeded',
  platformHealthy: 'PlatformHealthy',
  remediationActions: 'RemediationActions',
  costSavingsEstimated: 'CostSavingsEstimatedMonthly',
  costSavingsRealised: 'CostSavingsRealisedMonthly',
} as const;

const BACKUP_CADENCE_SECONDS = { hourly: 3600, daily: 86_400 } as const;
const PERIOD = '300';

interface Target {
  readonly refId: string;
  readonly [field: string]: unknown;
}

function lakehouseOpsMetric(
  environment: ClusterEnvironment,
  refId: string,
  metricName: string,
  statistic: string,
  label: string,
  /** Extra dimensions summed over (any value). */
  anyOf: readonly string[] = [],
): Target {
  return {
    refId,
    datasource: DATASOURCES.cloudwatch,
    queryMode: 'Metrics',
    region: 'default',
    namespace: METRICS_NAMESPACE,
    metricName,
    statistic,
    period: PERIOD,
    metricQueryType: 0,
    metricEditorMode: 0,
    dimensions: {
      environment: [environment.name],
      service: ['lakehouse-ops'],
      ...Object.fromEntries(anyOf.map((dimension) => [dimension, ['*']])),
    },
    matchExact: anyOf.length === 0,
    label,
  };
}

/** One series per lakehouse-ops state machine (`lakehouse-ops-<env>-<workflow>`). */
function stateMachineMetric(environment: ClusterEnvironment, refId: string, metricName: string): Target {
  return {
    refId,
    datasource: DATASOURCES.cloudwatch,
    queryMode: 'Metrics',
    region: 'default',
    metricQueryType: 0,
    metricEditorMode: 1,
    expression: `SEARCH('{AWS/States,StateMachineArn} MetricName="${metricName}" "lakehouse-ops-${environment.name}-"', 'Sum', ${PERIOD})`,
    label: `${metricName} \${PROP('Dim.StateMachineArn')}`,
  };
}

function prometheusQuery(refId: string, expr: string, legendFormat: string): Target {
  return { refId, datasource: DATASOURCES.prometheus, expr, legendFormat };
}

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly targets: Target[];
  readonly thresholds?: { value: number; color: string }[];
}

function rowPanel(id: number, title: string, y: number) {
  return { id, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] };
}

function timeseries(id: number, spec: PanelSpec, x: number, y: number, width: number) {
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: spec.targets[0]?.datasource,
    gridPos: { h: 8, w: width, x, y },
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        thresholds: {
          mode: 'absolute',
          steps: [{ value: null, color: 'green' }, ...(spec.thresholds ?? [])],
        },
        custom: { thresholdsStyle: { mode: spec.thresholds ? 'line' : 'off' } },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi' },
    },
    targets: spec.targets,
  };
}

function rows(environment: ClusterEnvironment): { title: string; panels: PanelSpec[] }[] {
  const rpoTarget = BACKUP_CADENCE_SECONDS[environment.backup.cadence];
  const metric = (refId: string, name: string, statistic: string, label: string, anyOf: string[] = []) =>
    lakehouseOpsMetric(environment, refId, name, statistic, label, anyOf);
  return [
    {
      title: 'Workflow runs',
      panels: [
        {
          title: 'Executions succeeded',
          description: 'Step Functions executions of each lakehouse-ops workflow that succeeded.',
          unit: 'short',
          targets: [stateMachineMetric(environment, 'A', 'ExecutionsSucceeded')],
        },
        {
          title: 'Executions failed or timed out',
          description:
            'Failed executions include an unhealthy validate-platform verdict; read the runbook of the workflow.',
          unit: 'short',
          targets: [
            stateMachineMetric(environment, 'A', 'ExecutionsFailed'),
            stateMachineMetric(environment, 'B', 'ExecutionsTimedOut'),
          ],
          thresholds: [{ value: 1, color: 'red' }],
        },
        {
          title: 'Platform healthy',
          description: 'validate-platform verdicts: 1 healthy, 0 unhealthy.',
          unit: 'short',
          targets: [metric('A', DASHBOARD_METRICS.platformHealthy, 'Minimum', 'healthy')],
        },
      ],
    },
    {
      title: 'Backups',
      panels: [
        {
          title: 'Backup lag (achieved RPO)',
          description: `Age of the newest object not yet in a complete backup, per run. The line is the ${environment.backup.cadence} backup cadence.`,
          unit: 's',
          targets: [metric('A', DASHBOARD_METRICS.backupRpo, 'Maximum', 'achieved RPO')],
          thresholds: [{ value: rpoTarget, color: 'red' }],
        },
        {
          title: 'Backup outcomes',
          description: 'Runs that succeeded (1) and buckets that failed in a run.',
          unit: 'short',
          targets: [
            metric('A', DASHBOARD_METRICS.backupSucceeded, 'Minimum', 'run succeeded'),
            metric('B', DASHBOARD_METRICS.backupBucketsFailed, 'Sum', 'buckets failed'),
          ],
        },
        {
          title: 'Verified restores',
          description: 'verify-backup verdicts (1 proven restorable) over all source buckets.',
          unit: 'short',
          targets: [
            metric('A', DASHBOARD_METRICS.verifyBackupSucceeded, 'Minimum', 'verified', ['sourceBucket']),
          ],
        },
      ],
    },
    {
      title: 'Remediation and cost',
      panels: [
        {
          title: 'Remediation actions',
          description: 'Playbook actions taken by the remediate workflow, over all playbooks and outcomes.',
          unit: 'short',
          targets: [
            metric('A', DASHBOARD_METRICS.remediationActions, 'Sum', 'actions', ['playbook', 'outcome']),
          ],
        },
        {
          title: 'Cost savings',
          description:
            'Monthly savings from the latest cost-optimise run: estimated from recommendations, realised from what was applied.',
          unit: 'currencyUSD',
          targets: [
            metric('A', DASHBOARD_METRICS.costSavingsEstimated, 'Maximum', 'estimated'),
            metric('B', DASHBOARD_METRICS.costSavingsRealised, 'Maximum', 'realised'),
          ],
        },
        {
          title: 'Object store capacity',
          description: 'MinIO usable capacity left (after erasure coding) and the nodes online.',
          unit: 'bytes',
          targets: [
            prometheusQuery('A', 'max(minio_cluster_capacity_usable_free_bytes)', 'usable free'),
            prometheusQuery('B', 'max(minio_cluster_capacity_usable_total_bytes)', 'usable total'),
          ],
        },
      ],
    },
  ];
}

/** The dashboard JSON Grafana provisions (schema of Grafana 11). */
export function lakehouseOpsDashboard(environment: ClusterEnvironment): Record<string, unknown> {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows(environment)) {
    panels.push(rowPanel(id++, row.title, y));
    y += 1;
    const width = 24 / row.panels.length;
    row.panels.forEach((panel, index) => {
      panels.push(timeseries(id++, panel, index * width, y, width));
    });
    y += 8;
  }
  return {
    uid: 'lakehouse-ops',
    title: `lakehouse-ops (${environment.name})`,
    tags: ['lakehouse-ops', environment.name],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '5m',
    time: { from: 'now-7d', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}
