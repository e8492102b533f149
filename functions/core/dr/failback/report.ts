import { type Journal, type StepTiming, stepTimings } from '../failover/journal.ts';
import { FAILBACK_STEPS } from '../failover/steps.ts';
import type { ResyncState } from './passes.ts';

/**
 * What a failback reports (docs/dr.md, "Failback"), from its journal: how long it took (first
 * failback step started -> report), what the resync copied and deleted over all its passes, and
 * the check that let the switch through (its last pass found zero differences).
 */
export interface FailbackReport {
  failoverId: string;
  mode: string;
  startedAt: string | null;
  reportedAt: string;
  durationSeconds: number | null;
  resynced: { copied: number; deleted: number; bytesCopied: number; passes: number };
  /** The differences of the check before the switch: 0, or the switch was refused. */
  diffAtSwitch: number | null;
  diffZero: boolean;
  timings: StepTiming[];
}

const RESYNC_STEPS = ['failback-resync', 'failback-final-resync'] as const;

function outputOf(journal: Journal, step: string): unknown {
  return journal.steps.find((record) => record.step === step && record.status === 'SUCCEEDED')?.output;
}

function isResyncState(value: unknown): value is ResyncState {
  return Boolean(value && typeof value === 'object' && 'resynced' in value && 'passes' in value);
}

export function failbackReport(journal: Journal, now: Date): FailbackReport {
  const timings = stepTimings(journal, FAILBACK_STEPS);
  const starts = timings.flatMap((timing) => (timing.firstStartedAt ? [timing.firstStartedAt] : [])).sort();
  const startedAt = starts[0] ?? null;
  const resynced = { copied: 0, deleted: 0, bytesCopied: 0, passes: 0 };
  for (const step of RESYNC_STEPS) {
    const state = outputOf(journal, step);
    if (!isResyncState(state)) continue;
    resynced.copied += state.resynced.copied;
    resynced.deleted += state.resynced.deleted;
    resynced.bytesCopied += state.resynced.bytesCopied;
    resynced.passes += state.passes;
  }
  const switched = outputOf(journal, 'failback-switch-traffic') as { check?: unknown } | undefined;
  const check = switched?.check;
  const diffAtSwitch = isResyncState(check) ? check.lastDifferences : null;
  return {
    failoverId: journal.run.failoverId,
    mode: journal.run.mode,
    startedAt,
    reportedAt: now.toISOString(),
    durationSeconds: startedAt ? Math.round((now.getTime() - Date.parse(startedAt)) / 1000) : null,
    resynced,
    diffAtSwitch,
    diffZero: diffAtSwitch === 0,
    timings,
  };
}
