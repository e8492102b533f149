import * as z from 'zod/mini';
import { s3ClientIn } from './commons/backup-clients.ts';
import { costReportHandlerEnvironment } from './commons/environment.ts';
import { parseJsonVariable } from './commons/json-variable.ts';
import { createHandler } from './commons/middleware.ts';
import { costPricingSchema } from './core/cost/pricing.ts';
import { buildCostReport, costPricing, costReportRequestSchema } from './core/cost/report/cost-report.ts';
import { reportSummaryText, storeCostReport } from './core/cost/report/report-store.ts';
import {
  loadRightsizingResult,
  storedRightsizingResultSchema,
} from './core/cost/rightsizing/result-store.ts';

/** The workflow's state, with the recommendations where the recommend step stored them. */
const storedReportRequestSchema = z.extend(costReportRequestSchema, {
  recommendation: storedRightsizingResultSchema,
});

/**
 * cost-optimise: the run's cost report (report.json, the usage-against-requests SVG, the GitOps
 * patch files) to the report bucket; returns the summary, the keys and the notification text.
 */
export const handler = createHandler(
  { name: 'build-cost-report', environment: costReportHandlerEnvironment, event: storedReportRequestSchema },
  async ({ recommendation, ...state }, { env }) => {
    const s3 = s3ClientIn();
    // The recommend step stored the recommendations in the report bucket (too many for a state).
    const request = { ...state, recommendation: await loadRightsizingResult(s3, recommendation) };
    const pricing = parseJsonVariable(
      'COST_PRICING',
      env.COST_PRICING,
      costPricingSchema,
      'node pool pricing',
    );
    const report = buildCostReport(request, env.ENVIRONMENT_NAME, costPricing(pricing), new Date());
    const stored = await storeCostReport({ s3, bucketName: env.COST_REPORT_BUCKET_NAME }, report);
    return {
      ...stored,
      summary: report.summary,
      subject: `Right-sizing ${report.mode}${report.dryRun ? ' (dry run)' : ''}: $${report.summary.realisedMonthlySavingUsd.toFixed(2)}/month realised, $${report.summary.estimatedMonthlySavingUsd.toFixed(2)} estimated`,
      text: reportSummaryText(report, stored),
    };
  },
);
