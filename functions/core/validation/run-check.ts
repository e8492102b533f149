import type { ClusterReader } from '../kubernetes/cluster-reader.ts';
import type { PlatformLayout } from '../platform/layout.ts';
import type { CheckName, CheckResult } from './check-result.ts';

/** What every Kubernetes-backed check receives. */
export interface KubernetesCheckDependencies {
  reader: ClusterReader;
  layout: PlatformLayout;
}

/** What a check concludes; `runCheck` adds the name and the measured duration. */
export interface CheckVerdict {
  status: 'PASSED' | 'FAILED';
  detail: string;
  observations: Record<string, unknown>;
}

export async function runCheck(name: CheckName, check: () => Promise<CheckVerdict>): Promise<CheckResult> {
  const started = performance.now();
  const verdict = await check();
  return { name, ...verdict, durationMs: Math.round(performance.now() - started) };
}

/**
 * PASSED with `healthyDetail` when there are no problems, otherwise FAILED with every problem in
 * the detail, so the notification says what is wrong without opening the logs.
 */
export function verdictFrom(
  problems: readonly string[],
  healthyDetail: string,
  observations: Record<string, unknown>,
): CheckVerdict {
  if (problems.length === 0) return { status: 'PASSED', detail: healthyDetail, observations };
  return { status: 'FAILED', detail: problems.join('; '), observations: { ...observations, problems } };
}
