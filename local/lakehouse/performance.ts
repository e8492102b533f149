/**
 * What validate-platform's performance mode meets in the local lakehouse: the Prefect deployment
 * its flow-run burst creates runs of, and the local machine's thresholds.
 *
 * The thresholds override the synthesized environment's (infra/config `performance`), as the
 * lakehouse's endpoints override the configured ones: the local lakehouse is not the development
 * cluster. Its s5cmd is a stand-in that runs the AWS CLI (local/s5cmd), whose start-up of about a
 * second per command (more on a busy machine) counts in every measured copy, against s3rver; the
 * Prefect stand-in shares the Node process with the handlers. The numbers are still measured on
 * every run; only the bar is the local machine's.
 */

/** The burst's default deployment (infra/config/performance-config.ts) on a 4-slot worker. */
export const LOCAL_PREFECT = {
  deployments: [{ flowName: 'lakehouse-ops-smoke', deploymentName: 'burst', runDurationMs: 200 }],
  workerConcurrency: 4,
} as const;

/** Handler variables (functions/commons/environment.ts) for the local bar. */
export const LOCAL_PERFORMANCE_ENVIRONMENT = {
  PERFORMANCE_S5CMD_TRANSFER_MIB: '32',
  PERFORMANCE_S5CMD_MIN_MIB_PER_SECOND: '2',
  PERFORMANCE_PREFECT_API_P95_MS: '250',
} as const;
