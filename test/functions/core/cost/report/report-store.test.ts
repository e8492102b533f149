import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import parser from 'fast-xml-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CostReport } from '../../../../../functions/core/cost/report/cost-report.ts';
import {
  reportSummaryText,
  storeCostReport,
} from '../../../../../functions/core/cost/report/report-store.ts';

const s3 = mockClient(S3Client);

const REPORT: CostReport = {
  workflow: 'cost-optimise',
  environment: 'staging',
  executionId: 'cost-run-9',
  requestedBy: 'schedule',
  generatedAt: '2026-11-30T08:00:00.000Z',
  mode: 'on',
  dryRun: false,
  historyDays: 14,
  summary: {
    recommendations: 0,
    byStatus: {
      RECOMMENDED: 0,
      SKIPPED: 0,
      GITOPS: 1,
      DRY_RUN: 0,
      PLANNED: 0,
      APPLIED: 0,
      KEPT: 0,
      ROLLED_BACK: 0,
      ROLLBACK_REFUSED: 0,
    },
    notRecommended: 0,
    recommendedMonthlySavingUsd: 12.5,
    estimatedMonthlySavingUsd: 8.25,
    realisedMonthlySavingUsd: 0,
  },
  rows: [],
  notRecommended: [],
  gitOpsPatches: [
    {
      workload: { namespace: 'prefect', kind: 'Deployment', name: 'synced', container: 'main' },
      manager: 'Flux (kustomize.toolkit.fluxcd.io/name)',
      path: 'rightsizing/prefect-deployment-synced.yaml',
      content: 'kind: "Deployment"\n',
    },
  ],
};

describe('storeCostReport', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
  });

  it('writes the chart, the GitOps patches and then the report under one prefix per run', async () => {
    const stored = await storeCostReport(
      { s3: new S3Client({ region: 'eu-west-1' }), bucketName: 'reports' },
      REPORT,
    );
    const prefix = 'cost-optimise/staging/2026-11-30/cost-run-9/';
    expect(stored).toEqual({
      bucket: 'reports',
      prefix,
      reportKey: `${prefix}report.json`,
      chartKey: `${prefix}usage-vs-requests.svg`,
      gitOpsPatchKeys: [`${prefix}gitops/rightsizing/prefect-deployment-synced.yaml`],
    });
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((put) => [put.Key, put.ContentType])).toEqual([
      [`${prefix}usage-vs-requests.svg`, 'image/svg+xml'],
      [`${prefix}gitops/rightsizing/prefect-deployment-synced.yaml`, 'application/yaml'],
      [`${prefix}report.json`, 'application/json'],
    ]);
    expect(parser.validate(String(puts[0]?.Body))).toBe(true);
    expect(JSON.parse(String(puts[2]?.Body))).toMatchObject({
      executionId: 'cost-run-9',
      chartKey: stored.chartKey,
    });
  });

  it('words the notification with the savings and where the report is', async () => {
    const stored = await storeCostReport(
      { s3: new S3Client({ region: 'eu-west-1' }), bucketName: 'reports' },
      REPORT,
    );
    expect(reportSummaryText(REPORT, stored).split('\n').slice(0, 2)).toEqual([
      'Right-sizing in staging (mode on): 0 recommendation(s): 1 gitops.',
      'Monthly savings: recommended $12.50, estimated for this run $8.25, realised $0.00.',
    ]);
    expect(reportSummaryText(REPORT, stored)).toContain(
      'Report: s3://reports/cost-optimise/staging/2026-11-30/cost-run-9/report.json',
    );
  });
});
