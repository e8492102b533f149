import type { ExecutionResult, StateStatus, TimelineEntry } from '../runner/execution-result.ts';
import { formatDuration, type Style } from './style.ts';

/** Text rendering of an execution: one line per state, then the verdict. */

const SYMBOL: Record<StateStatus, string> = { SUCCEEDED: '✓', CAUGHT: '↷', FAILED: '✗', RUNNING: '…' };
const CAUSE_PREVIEW_LENGTH = 100;

/** What the timeline's markers mean; `retried Nx` may follow any of them. */
export const TIMELINE_LEGEND = `${SYMBOL.SUCCEEDED} succeeded  ${SYMBOL.CAUGHT} failed, caught by the workflow, which went on  ${SYMBOL.FAILED} failed  ${SYMBOL.RUNNING} still running`;

export interface RenderOptions {
  readonly style: Style;
  readonly indent?: string;
  /** Also show error causes in full, not just a preview. */
  readonly verbose?: boolean;
}

export function renderTimeline(timeline: readonly TimelineEntry[], options: RenderOptions): string[] {
  const { style, indent = '  ', verbose = false } = options;
  const width = Math.max(0, ...timeline.map((entry) => entry.state.length));
  return timeline.flatMap((entry) => {
    const paint =
      entry.status === 'SUCCEEDED' ? style.ok : entry.status === 'CAUGHT' ? style.warn : style.bad;
    const retries = entry.retries > 0 ? style.warn(` retried ${entry.retries}x`) : '';
    const line = `${indent}${paint(SYMBOL[entry.status])} ${entry.state.padEnd(width)}  ${style.dim(entry.type.padEnd(8))} ${formatDuration(entry.durationMs).padStart(9)}${retries}`;
    if (!entry.error) return [line];
    const cause = verbose ? entry.error.cause : preview(errorMessageOf(entry.error.cause));
    return [line, `${indent}    ${style.dim(`${entry.error.error}: ${cause}`)}`];
  });
}

export function renderExecution(result: ExecutionResult, options: RenderOptions): string[] {
  const { style } = options;
  const status = result.status === 'SUCCEEDED' ? style.ok(result.status) : style.bad(result.status);
  const lines = [
    `${style.bold(result.workflow)}  ${status}  ${formatDuration(result.durationMs)}`,
    ...renderTimeline(result.timeline, options),
  ];
  if (result.error) lines.push(`${style.bad('error')}: ${result.error}`);
  return lines;
}

/** Lambda causes are the runtime's JSON error document; its errorMessage is what a reader wants. */
export function errorMessageOf(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: show the cause itself
  }
  return cause;
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > CAUSE_PREVIEW_LENGTH ? `${oneLine.slice(0, CAUSE_PREVIEW_LENGTH)}…` : oneLine;
}
