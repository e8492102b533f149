import { z } from 'zod';

/**
 * validate-platform's performance mode (`{"performance": true}`): each check's workload and the
 * threshold it must meet, per environment. The values reach the check functions as environment
 * variables (infra/stacks/ops-functions.ts).
 */

/** Prefect's /flow_runs/filter returns at most 200 runs per call; the burst reads them in one. */
export const MAX_FLOW_RUN_BURST = 200;
/** The burst's Lambda keeps a minute for creating and cancelling runs within its 15-minute limit. */
export const MAX_FLOW_RUN_BURST_SECONDS = 600;
/** The Job's /tmp (an emptyDir of 10 GiB, cluster-manifests/src/s5cmd.ts) holds the data twice. */
export const MAX_S5CMD_TRANSFER_MIB = 4096;

export const performanceConfigSchema = z.object({
  /** The Prefect server's API root as the Lambda functions reach it, ending in `/api`. */
  prefectApiUrl: z.url({ protocol: /^https?$/ }).refine((url) => /\/api\/?$/.test(url), {
    message: 'expected the Prefect API root, ending in "/api"',
  }),
  /** How much the s5cmd Job writes to MinIO and reads back. */
  s5cmdTransferMiB: z.number().int().positive().max(MAX_S5CMD_TRANSFER_MIB).default(256),
  /** Upload and download must each reach this rate. */
  s5cmdMinMiBPerSecond: z.number().positive(),
  /** Sequential requests timed against the Prefect API (health and a flows query, alternately). */
  prefectApiRequests: z.number().int().min(2).max(1000).default(20),
  /** The 95th percentile of those requests' response times must not exceed this. */
  prefectApiP95Ms: z.number().positive(),
  flowRunBurst: z.object({
    /** `<flow>/<deployment>` of a deployment whose flow does nothing, registered for this check. */
    deployment: z
      .string()
      .regex(/^[^/]+\/[^/]+$/, { message: 'expected "<flow name>/<deployment name>"' })
      .default('lakehouse-ops-smoke/burst'),
    /** Flow runs created at once. */
    count: z.number().int().positive().max(MAX_FLOW_RUN_BURST),
    /** All of them must have completed this many seconds after the burst started. */
    maxSeconds: z.number().int().positive().max(MAX_FLOW_RUN_BURST_SECONDS),
  }),
});
export type PerformanceConfig = z.infer<typeof performanceConfigSchema>;
