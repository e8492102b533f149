import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Workflow } from './workflow.ts';

export interface ObservedFunction {
  /** The handler name, e.g. "check-nodes". */
  readonly name: string;
  readonly fn: IFunction;
}

export interface OpsObservabilityProps {
  readonly environmentName: string;
  /** `lakehouse-ops-<environment>` unless told otherwise (a nested stack's own dashboard). */
  readonly dashboardName?: string;
  readonly workflows: readonly Workflow[];
  readonly functions: readonly ObservedFunction[];
  readonly alarmTopic: ITopic;
  /** Queues where something that should have started a workflow ended up instead (schedules, alerts). */
  readonly deadLetterQueues: readonly WatchedDeadLetterQueue[];
  /** The backup report's metrics (build-backup-report) and the AWS Backup vault of the volumes. */
  readonly backup?: BackupObservability;
}

export interface WatchedDeadLetterQueue {
  /** The alarm's construct id, e.g. "ScheduleDeadLetters". */
  readonly id: string;
  /** The alarm's name after the environment prefix, e.g. "schedule-dead-letters". */
  readonly name: string;
  readonly queue: IQueue;
  /** What a message there means and where to look. */
  readonly description: string;
}

export interface BackupObservability {
  readonly metricsNamespace: string;
  readonly vaultName: string;
  /** BackupAchievedRpo above this pages. */
  readonly rpoAlarmSeconds: number;
  /** The buckets whose scheduled verify-backup verdicts (VerifyBackupSucceeded) are graphed. */
  readonly verifiedBuckets?: readonly string[];
}

const PERIOD = Duration.minutes(5);
const FUNCTION_WIDGETS_PER_ROW = 3;

/**
 * The ops dashboard (executions per workflow; errors and p50/p99 duration per function) and the
 * alarms that page the notification topic: failed and timed-out executions, Lambda errors, and
 * schedule starts or alerts that ended in a dead-letter queue. One alarm per function names the culprit.
 */
export class OpsObservability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OpsObservabilityProps) {
    super(scope, id);
    const prefix = `lakehouse-ops-${props.environmentName}`;
    const alarmAction = new SnsAction(props.alarmTopic);
    const addAlarm = (alarmId: string, name: string, metric: IMetric, description: string) => {
      const alarm = new Alarm(this, alarmId, {
        alarmName: `${prefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No executions or invocations in a period is normal between schedules.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      this.alarms.push(alarm);
    };

    const rows: IWidget[][] = [];
    rows.push([
      new TextWidget({
        markdown: `# lakehouse-ops ${props.environmentName}\nWorkflow executions, then Lambda errors and duration per function. Runbooks: \`runbooks/<workflow>.md\`.`,
        width: 24,
        height: 2,
      }),
    ]);

    for (const workflow of props.workflows) {
      const machine = workflow.stateMachine;
      const name = workflow.workflowName;
      rows.push([
        new GraphWidget({
          title: `${name} executions`,
          width: 24,
          left: [
            machine.metricStarted({ period: PERIOD, label: 'started' }),
            machine.metricSucceeded({ period: PERIOD, label: 'succeeded' }),
            machine.metricFailed({ period: PERIOD, label: 'failed' }),
            machine.metricTimedOut({ period: PERIOD, label: 'timed out' }),
          ],
        }),
      ]);
      addAlarm(
        `${workflow.node.id}Failed`,
        `${name}-failed`,
        machine.metricFailed({ period: PERIOD }),
        `An execution of ${name} failed. Open it in the Step Functions console and follow runbooks/${name}.md.`,
      );
      addAlarm(
        `${workflow.node.id}TimedOut`,
        `${name}-timed-out`,
        machine.metricTimedOut({ period: PERIOD }),
        `An execution of ${name} hit its timeout. See which state it was in and follow runbooks/${name}.md.`,
      );
    }

    const functionWidgets: IWidget[] = [];
    for (const { name, fn } of props.functions) {
      functionWidgets.push(
        new GraphWidget({
          title: name,
          width: 24 / FUNCTION_WIDGETS_PER_ROW,
          left: [fn.metricErrors({ period: PERIOD, label: 'errors' })],
          right: [
            fn.metricDuration({ period: PERIOD, statistic: 'p50', label: 'p50 ms' }),
            fn.metricDuration({ period: PERIOD, statistic: 'p99', label: 'p99 ms' }),
          ],
        }),
      );
      addAlarm(
        `${fn.node.id}Errors`,
        `${name}-errors`,
        fn.metricErrors({ period: PERIOD }),
        `Lambda ${name} raised errors. Its log group has the stack trace; the workflow may have retried or caught them.`,
      );
    }

    for (let start = 0; start < functionWidgets.length; start += FUNCTION_WIDGETS_PER_ROW) {
      rows.push(functionWidgets.slice(start, start + FUNCTION_WIDGETS_PER_ROW));
    }

    for (const { id: alarmId, name, queue, description } of props.deadLetterQueues) {
      addAlarm(
        alarmId,
        name,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        description,
      );
    }

    if (props.backup) {
      const backup = props.backup;
      // Alarms take their metrics without labels, so CloudFormation gets plain MetricName alarms.
      const reportMetric = (
        metricName: string,
        statistic: string,
        label?: string,
        dimensions: Record<string, string> = {},
      ) =>
        new Metric({
          namespace: backup.metricsNamespace,
          metricName,
          dimensionsMap: { environment: props.environmentName, service: 'lakehouse-ops', ...dimensions },
          period: PERIOD,
          statistic,
          label,
        });
      const jobsFailed = (label?: string) =>
        new Metric({
          namespace: 'AWS/Backup',
          metricName: 'NumberOfBackupJobsFailed',
          dimensionsMap: { BackupVaultName: backup.vaultName },
          period: PERIOD,
          statistic: 'Sum',
          label,
        });
      const rpo = (label?: string) => reportMetric('BackupAchievedRpo', 'Maximum', label);
      rows.push([
        new GraphWidget({
          title: 'backup objects',
          width: 8,
          left: ['Copied', 'Skipped', 'Failed'].map((kind) =>
            reportMetric(`BackupObjects${kind}`, 'Sum', kind.toLowerCase()),
          ),
        }),
        new GraphWidget({
          title: 'backup throughput and duration',
          width: 8,
          left: [reportMetric('BackupThroughput', 'Average', 'bytes/s')],
          right: [reportMetric('BackupDuration', 'Maximum', 'duration (s)')],
        }),
        new GraphWidget({
          title: 'backup RPO and volume jobs',
          width: 8,
          left: [rpo('achieved RPO (s)')],
          right: [
            jobsFailed('volume jobs failed'),
            reportMetric('BackupBucketsFailed', 'Sum', 'buckets failed'),
          ],
        }),
      ]);
      const verifiedBuckets = backup.verifiedBuckets ?? [];
      if (verifiedBuckets.length > 0) {
        rows.push([
          new GraphWidget({
            title: 'verify-backup verdicts (1 = verified, 0 = failed)',
            width: 24,
            // Minimum: one failed verdict in the period shows, even next to a later success.
            left: verifiedBuckets.map((sourceBucket) =>
              reportMetric('VerifyBackupSucceeded', 'Minimum', sourceBucket, { sourceBucket }),
            ),
            leftYAxis: { min: 0, max: 1 },
          }),
        ]);
      }
      addAlarm(
        'BackupVolumeJobsFailed',
        'backup-volume-jobs-failed',
        jobsFailed(),
        `An AWS Backup job of vault ${backup.vaultName} failed (scheduled plan or the backup workflow). See AWS Backup > Jobs and runbooks/backup.md.`,
      );
      const rpoAlarm = new Alarm(this, 'BackupRpoExceeded', {
        alarmName: `${prefix}-backup-rpo-exceeded`,
        alarmDescription: `The achieved backup RPO is above ${backup.rpoAlarmSeconds} s: recent backup runs failed or were skipped. Follow runbooks/backup.md.`,
        metric: rpo(),
        threshold: backup.rpoAlarmSeconds,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      rpoAlarm.addAlarmAction(alarmAction);
      this.alarms.push(rpoAlarm);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? prefix,
      widgets: rows,
    });
  }
}
