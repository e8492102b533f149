import { describeError } from '../../../../commons/errors.ts';

/**
 * What one failover gate concludes (docs/dr.md, "Failover gates and the step journal"). A gate
 * never throws for a failure, not even its own: a gate that cannot be evaluated (an API error, no
 * answer in time) is a failed verdict naming the error, because "could not tell" must stop a
 * failover just like "no".
 */
export const GATE_NAMES = [
  'replication-lag',
  'last-verify-backup',
  'dr-cluster-reachable',
  'dr-node-groups-capacity',
  'images-in-dr-region',
] as const;
export type GateName = (typeof GATE_NAMES)[number];

/**
 * The numbers behind a verdict: the gate passes when `measured` is within `limit` (below it for
 * the replication lag, at most it for the others). The yes/no gates count what is wrong (node
 * groups short of capacity, images missing), with 0 as their limit.
 */
export interface GateEvidence {
  /** What was measured, in `unit`; null when the gate could not measure. */
  measured: number | null;
  limit: number;
  unit: string;
  /** The measurement's parts (per bucket, per node group, per image) and any error. */
  [detail: string]: unknown;
}

export interface GateVerdict {
  gate: GateName;
  passed: boolean;
  /** One sentence an operator understands without opening the logs. */
  detail: string;
  evidence: GateEvidence;
  durationMs: number;
}

export type GateConclusion = Omit<GateVerdict, 'gate' | 'durationMs'>;

/** A gate whose API calls hang must not hold the decision: no answer in this time is a failure. */
export const DEFAULT_GATE_TIMEOUT_MS = 60_000;

/** The gate's limit, for the evidence of a verdict that could not measure anything. */
export interface GateLimit {
  limit: number;
  unit: string;
}

export async function evaluateGate(
  gate: GateName,
  { limit, unit }: GateLimit,
  evaluate: () => Promise<GateConclusion>,
  timeoutMs = DEFAULT_GATE_TIMEOUT_MS,
): Promise<GateVerdict> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  let conclusion: GateConclusion;
  try {
    conclusion = await Promise.race([evaluate(), deadline]);
  } catch (error) {
    conclusion = {
      passed: false,
      detail: `the ${gate} gate could not be evaluated: ${describeError(error)}`,
      evidence: { measured: null, limit, unit, error: describeError(error) },
    };
  } finally {
    clearTimeout(timer);
  }
  return { gate, ...conclusion, durationMs: Math.round(performance.now() - started) };
}

/** "a, b and c" for sentences that list names. */
export function listInWords(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
