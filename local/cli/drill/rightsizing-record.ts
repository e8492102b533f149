import { PROMETHEUS_RECORDING, RECORD_VARIABLE } from './rightsizing-fixture.ts';
import { RIGHTSIZING_DRILL_SCENARIOS } from './rightsizing-scenarios.ts';
import { runDrill } from './run-drill.ts';

/**
 * Records the right-sizing scenarios' Prometheus answers into the committed recording (or the file
 * named by RECORD_VARIABLE): `npx tsx local/cli/drill/rightsizing-record.ts` where prometheus and
 * promtool are installed. Only those two scenarios run; commit the recording only when both passed.
 */
process.env[RECORD_VARIABLE] ||= PROMETHEUS_RECORDING;
const report = await runDrill({ scenarios: RIGHTSIZING_DRILL_SCENARIOS });
for (const scenario of report.scenarios) {
  console.log(`${scenario.passed ? 'passed' : 'FAILED'} ${scenario.id}`);
  for (const line of [...scenario.problems, ...scenario.details]) console.log(`  ${line}`);
}
for (const skip of report.skipped) console.log(`skipped ${skip.id}: ${skip.reason}`);
console.log(
  report.passed
    ? `recorded into ${process.env[RECORD_VARIABLE]}`
    : `a scenario failed: ${process.env[RECORD_VARIABLE]} holds its answers, do not commit it`,
);
process.exitCode = report.passed ? 0 : 1;
