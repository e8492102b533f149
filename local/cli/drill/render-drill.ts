import { errorMessageOf, renderTimeline } from '../render-execution.ts';
import { formatDuration, type Style } from '../style.ts';
import type { DrillProgress, DrillReport, ScenarioOutcome } from './run-drill.ts';

/** The drill's human-readable output, printed scenario by scenario as they finish. */
export function renderProgress(event: DrillProgress, style: Style, verbose: boolean): string[] {
  switch (event.kind) {
    case 'lakehouse-started':
      return [style.dim(`local lakehouse up in ${formatDuration(event.ms)}`)];
    case 'workflows-loaded':
      return [style.dim(`workflows synthesized and built in ${formatDuration(event.ms)}`), ''];
    case 'scenarios-skipped':
      return [style.warn(`skipped ${event.ids.join(', ')}: ${event.reason}`), ''];
    case 'scenario-finished':
      return renderScenario(event.outcome, style, verbose);
  }
}

function renderScenario(outcome: ScenarioOutcome, style: Style, verbose: boolean): string[] {
  const verdict = outcome.passed ? style.ok('PASS') : style.bad('FAIL');
  const { execution } = outcome;
  const lines = [
    `${verdict} ${style.bold(outcome.title)}  ${style.dim(`${execution.workflow} ${execution.status}, report ${outcome.reportStatus ?? 'missing'}, ${formatDuration(execution.durationMs)}`)}`,
    ...renderTimeline(execution.timeline, { style, indent: '    ', verbose }),
  ];
  const unhealthy = outcome.checks.filter((check) => check.status !== 'PASSED');
  // An ERROR check's detail is the Lambda's JSON error document; its message is what matters here.
  for (const check of unhealthy) {
    lines.push(`    ${style.warn(`${check.name} ${check.status}`)}: ${errorMessageOf(check.detail)}`);
  }
  for (const detail of outcome.details) lines.push(`    ${style.dim(detail)}`);
  for (const notification of outcome.notifications)
    lines.push(`    ${style.dim(`notified: ${notification.subject ?? '(no subject)'}`)}`);
  for (const problem of outcome.problems) lines.push(`    ${style.bad('unexpected')}: ${problem}`);
  lines.push('');
  return lines;
}

export function renderSummary(report: DrillReport, style: Style): string[] {
  const passed = report.scenarios.filter((outcome) => outcome.passed).length;
  const verdict = report.passed ? style.ok('PASS') : style.bad('FAIL');
  return [
    `${verdict} drill: ${passed}/${report.scenarios.length} scenarios behaved as expected in ${formatDuration(report.durationMs)}`,
  ];
}
