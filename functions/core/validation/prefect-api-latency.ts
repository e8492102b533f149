import type { CheckResult } from './check-result.ts';
import { summarizeLatencies } from './measurements.ts';
import type { PrefectApi } from './prefect-api.ts';
import { runCheck, verdictFrom } from './run-check.ts';

export interface PrefectApiLatencyDependencies {
  prefect: PrefectApi;
  /** How many requests to time (half health, half a flows query). */
  requests: number;
  /** The environment's threshold for the 95th percentile. */
  p95ThresholdMs: number;
  /** Monotonic milliseconds; injectable for tests. */
  clock?: () => number;
}

/**
 * Times `requests` sequential calls, alternating GET /health (the server alone) and
 * POST /flows/filter (the server and its PostgreSQL), and compares their p95 with the threshold.
 * Sequential on purpose: this measures what one client waits, not how the server copes with load
 * (the flow-run burst does that). One untimed request goes first: opening the connection (TLS
 * included) and starting the runtime's HTTP client are the Lambda's cost, not the API's, and would
 * otherwise be the p95 of a short series. Any failed request fails the check; if every request failed
 * the API cannot be measured at all, and the last error is thrown so the workflow records ERROR.
 */
export function checkPrefectApiLatency({
  prefect,
  requests,
  p95ThresholdMs,
  clock = () => performance.now(),
}: PrefectApiLatencyDependencies): Promise<CheckResult> {
  return runCheck('prefect-api-latency', async () => {
    const durationsMs: number[] = [];
    const failures: string[] = [];
    let lastError: unknown;
    const warmUpStarted = clock();
    await prefect.health().catch(() => undefined);
    const warmUpMs = Math.round(clock() - warmUpStarted);
    for (let index = 0; index < requests; index += 1) {
      const started = clock();
      try {
        await (index % 2 === 0 ? prefect.health() : prefect.filterFlows(1));
        durationsMs.push(clock() - started);
      } catch (error) {
        lastError = error;
        failures.push((error as Error).message);
      }
    }
    if (durationsMs.length === 0) throw lastError;

    const latency = summarizeLatencies(durationsMs);
    const problems: string[] = [];
    if (latency.p95Ms > p95ThresholdMs) {
      problems.push(
        `Prefect API p95 latency ${latency.p95Ms} ms exceeds the threshold of ${p95ThresholdMs} ms`,
      );
    }
    if (failures.length > 0) {
      problems.push(`${failures.length} of ${requests} Prefect API requests failed; first: ${failures[0]}`);
    }
    return verdictFrom(
      problems,
      `Prefect API p95 latency ${latency.p95Ms} ms over ${requests} requests (threshold ${p95ThresholdMs} ms)`,
      { ...latency, requests, failedRequests: failures.length, thresholdP95Ms: p95ThresholdMs, warmUpMs },
    );
  });
}
