import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { callAws } from '../../../commons/transient-errors.ts';
import { type CostReport, chartRows } from './cost-report.ts';
import { usageChartSvg } from './usage-chart.ts';

/**
 * Where a run's report lives: the report bucket, one prefix per run,
 *
 *     cost-optimise/<environment>/<yyyy-mm-dd>/<execution>/report.json
 *                                                         usage-vs-requests.svg
 *                                                         gitops/rightsizing/<ns>-<kind>-<name>.yaml
 *
 * The execution's output carries the summary and these keys, never the whole report (Step
 * Functions' 256 KiB state limit; the report grows with the workloads).
 */
export interface ReportBucket {
  s3: S3Client;
  bucketName: string;
}

export interface StoredReport {
  readonly bucket: string;
  readonly prefix: string;
  readonly reportKey: string;
  readonly chartKey: string;
  readonly gitOpsPatchKeys: string[];
}

export function reportPrefix(
  report: Pick<CostReport, 'environment' | 'generatedAt' | 'executionId'>,
): string {
  return `cost-optimise/${report.environment}/${report.generatedAt.slice(0, 10)}/${report.executionId}/`;
}

async function put(bucket: ReportBucket, key: string, body: string, contentType: string): Promise<void> {
  await callAws(`s3:PutObject ${bucket.bucketName}/${key}`, () =>
    bucket.s3.send(
      new PutObjectCommand({ Bucket: bucket.bucketName, Key: key, Body: body, ContentType: contentType }),
    ),
  );
}

export async function storeCostReport(bucket: ReportBucket, report: CostReport): Promise<StoredReport> {
  const prefix = reportPrefix(report);
  const reportKey = `${prefix}report.json`;
  const chartKey = `${prefix}usage-vs-requests.svg`;
  const title = `Right-sizing ${report.environment} ${report.generatedAt.slice(0, 10)}: usage against requests`;
  await put(bucket, chartKey, usageChartSvg(title, chartRows(report)), 'image/svg+xml');
  const gitOpsPatchKeys: string[] = [];
  for (const patch of report.gitOpsPatches) {
    const key = `${prefix}gitops/${patch.path}`;
    await put(bucket, key, patch.content, 'application/yaml');
    gitOpsPatchKeys.push(key);
  }
  // Last: a report.json in the bucket means the whole run's output is there.
  await put(
    bucket,
    reportKey,
    `${JSON.stringify({ ...report, chartKey, gitOpsPatchKeys }, null, 2)}\n`,
    'application/json',
  );
  return { bucket: bucket.bucketName, prefix, reportKey, chartKey, gitOpsPatchKeys };
}

/** The notification's text: the numbers first, then each workload that needs a look. */
export function reportSummaryText(report: CostReport, stored: StoredReport): string {
  const { summary } = report;
  const counts = Object.entries(summary.byStatus)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status.toLowerCase().replace(/_/g, ' ')}`)
    .join(', ');
  const attention = report.rows
    .filter(
      (row) => row.status === 'ROLLED_BACK' || row.status === 'ROLLBACK_REFUSED' || row.status === 'GITOPS',
    )
    .map(
      (row) =>
        `- ${row.status} ${row.workload.namespace}/${row.workload.name} (${row.workload.container}): ${row.detail.join('; ')}`,
    );
  return [
    `Right-sizing in ${report.environment} (mode ${report.mode}${report.dryRun ? ', dry run' : ''}): ${summary.recommendations} recommendation(s)${counts ? `: ${counts}` : ''}.`,
    `Monthly savings: recommended $${summary.recommendedMonthlySavingUsd.toFixed(2)}, estimated for this run $${summary.estimatedMonthlySavingUsd.toFixed(2)}, realised $${summary.realisedMonthlySavingUsd.toFixed(2)}.`,
    ...(attention.length > 0 ? ['', ...attention] : []),
    '',
    `Report: s3://${stored.bucket}/${stored.reportKey}`,
    `Chart:  s3://${stored.bucket}/${stored.chartKey}`,
  ].join('\n');
}
