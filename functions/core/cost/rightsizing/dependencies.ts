import type { S3Client } from '@aws-sdk/client-s3';
import { parseJsonVariable } from '../../../commons/json-variable.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import type { PlatformLayout } from '../../platform/layout.ts';
import { costPricingSchema } from '../pricing.ts';
import { prefectWorkPoolSource } from './prefect-work-pools.ts';
import { type RightsizingResult, recommendRightsizing } from './recommend.ts';
import type { RightsizingRequestEvent } from './request.ts';
import { type StoredRightsizingResult, storeRightsizingResult } from './result-store.ts';
import { rightsizingSettingsSchema } from './settings.ts';
import { prometheusUsageSource } from './usage.ts';
import { kubernetesWorkloadSource } from './workloads.ts';

/** What the recommend-rightsizing handler hands over: its clients and its configuration as read. */
export interface RightsizingRun {
  kubernetes: KubernetesApi;
  s3: S3Client;
  layout: PlatformLayout;
  prometheusUrl: string;
  prefectApiUrl: string;
  /** COST_PRICING and COST_RIGHTSIZING, as JSON. */
  pricingJson: string;
  settingsJson: string;
  bucket: string;
  now: Date;
}

export async function runRightsizing(
  request: RightsizingRequestEvent,
  run: RightsizingRun,
): Promise<StoredRightsizingResult> {
  const pricing = parseJsonVariable('COST_PRICING', run.pricingJson, costPricingSchema, 'node pool pricing');
  const settings = parseJsonVariable(
    'COST_RIGHTSIZING',
    run.settingsJson,
    rightsizingSettingsSchema,
    'right-sizing settings',
  );
  const result: RightsizingResult = await recommendRightsizing(
    { historyDays: request.historyDays, namespaces: request.namespaces, at: run.now },
    {
      workloads: [
        kubernetesWorkloadSource(run.kubernetes),
        prefectWorkPoolSource({ apiUrl: run.prefectApiUrl, defaultNamespace: run.layout.prefect.namespace }),
      ],
      usage: prometheusUsageSource(run.prometheusUrl, settings),
      pricing,
      settings,
    },
  );
  const runId = request.runId ?? result.generatedAt.replace(/:/g, '-');
  return storeRightsizingResult(run.s3, run.bucket, runId, result);
}
