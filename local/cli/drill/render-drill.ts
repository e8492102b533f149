import { errorMessageOf, renderTimeline, TIMELINE_LEGEND } from '../render-execution.ts';
import { formatDuration, type Style } from '../style.ts';
import type { DrillProgress, DrillReport, ScenarioOutcome } from './run-drill.ts';
import type { DrillScenario } from './scenarios.ts';

/** The drill's human-readable output, printed scenario by scenario as they finish. */
export function renderProgress(event: DrillProgress, style: Style, verbose: boolean): string[] {
  switch (event.kind) {
    case 'lakehouse-started':
      return [style.dim(`local lakehouse up in ${formatDuration(event.ms)}`)];
    case 'workflows-loaded':
      return [
        style.dim(`workflows synthesized and built in ${formatDuration(event.ms)}`),
        style.dim(TIMELINE_LEGEND),
        '',
      ];
    case 'scenarios-skipped':
      return [style.warn(`skipped ${event.ids.join(', ')}: ${event.reason}`), ''];
    case 'scenario-finished':
      return renderScenario(event.outcome, style, verbose);
  }
}

function renderScenario(outcome: ScenarioOutcome, style: Style, verbose: boolean): string[] {
  const verdict = outcome.passed ? style.ok('PASS') : style.bad('FAIL');
  const { execution } = outcome;
  // Only workflows that write a report have a status of their own to show.
  const report = outcome.reportStatus === undefined ? '' : `, report ${outcome.reportStatus}`;
  const lines = [
    `${verdict} ${style.bold(outcome.title)}  ${style.dim(`${execution.workflow} ${execution.status}${report}, ${formatDuration(execution.durationMs)}`)}`,
    ...renderTimeline(execution.timeline, { style, indent: '    ', verbose }),
  ];
  const unhealthy = outcome.checks.filter((check) => check.status !== 'PASSED');
  // An ERROR check's detail is the Lambda's JSON error document; its message is what matters here.
  for (const check of unhealthy) {
    lines.push(`    ${style.warn(`${check.name} ${check.status}`)}: ${errorMessageOf(check.detail)}`);
  }
  for (const detail of outcome.details) lines.push(`    ${style.dim(detail)}`);
  // SNS subjects are short (under 100 characters), cut in the middle when longer (toSnsSubject).
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
    `${verdict} drill: ${passed}/${report.scenarios.length} scenarios behaved as expected in ${formatDuration(report.durationMs)}${skippedSummary(report.skipped)}`,
  ];
}

/** `; 10 skipped: 7 (needs ...), 3 (needs ...)`, or nothing when every scenario ran. */
function skippedSummary(skipped: DrillReport['skipped']): string {
  if (skipped.length === 0) return '';
  const counts = new Map<string, number>();
  for (const { reason } of skipped) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const reasons = [...counts].map(([reason, count]) => `${count} (${reason})`);
  return `; ${skipped.length} skipped: ${reasons.join(', ')}`;
}

/**
 * The drill's scenarios as the help text lists them: each workflow in the order it runs, with how
 * many scenarios run it in a row, e.g. `validate-platform x7, backup, verify-backup x2`.
 */
export function describeDrillScenarios(scenarios: readonly DrillScenario[]): string {
  const runs: { workflows: string; count: number }[] = [];
  for (const scenario of scenarios) {
    const workflows = [scenario.workflow, ...(scenario.alsoRuns ?? [])].join(' then ');
    const last = runs.at(-1);
    if (last?.workflows === workflows) last.count += 1;
    else runs.push({ workflows, count: 1 });
  }
  return runs.map(({ workflows, count }) => (count > 1 ? `${workflows} x${count}` : workflows)).join(', ');
}
