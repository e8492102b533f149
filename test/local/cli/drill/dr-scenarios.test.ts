import { beforeAll, describe, expect, it } from 'vitest';
import { DR_DRILL_SCENARIOS } from '../../../../local/cli/drill/dr-scenarios.ts';
import { type DrillReport, runDrill, type ScenarioOutcome } from '../../../../local/cli/drill/run-drill.ts';
import { postgresInstalled } from '../../../../local/lakehouse/postgres.ts';

/**
 * Both DR scenarios as the drill runs them, in one local lakehouse with its DR side and replication:
 * the refused failover (and its undo), then the primary lost, failover, failback. About a minute on
 * a quiet machine; the timeout leaves room for a shared one.
 */
const DRILL_TIMEOUT_MS = 300_000;

describe.runIf(postgresInstalled())('the drill DR scenarios', () => {
  let report: DrillReport;
  const outcome = (id: string): ScenarioOutcome => {
    const found = report.scenarios.find((scenario) => scenario.id === id);
    if (!found) throw new Error(`scenario ${id} did not run: ${JSON.stringify(report.skipped)}`);
    return found;
  };

  beforeAll(async () => {
    report = await runDrill({ scenarios: DR_DRILL_SCENARIOS });
  }, DRILL_TIMEOUT_MS);

  it('refuses a failover while replication lags beyond the RPO, changing nothing and notifying', () => {
    const refused = outcome('dr-failover-refused-replication-lag');
    expect(refused.problems).toEqual([]);
    expect(refused.execution).toMatchObject({ status: 'FAILED', error: 'DrFailoverStopped' });
    expect(refused.execution.cause).toMatch(/replication-lag/);
    expect(refused.execution.timeline.map((entry) => entry.state)).not.toContain('FencePrefect');
    expect(refused.notifications.length).toBeGreaterThan(0);
  });

  it('fails over from a lost primary to a validated DR side and back with zero diff, RTO and RPO met', () => {
    const drill = outcome('dr-failover-and-failback');
    expect(drill.problems).toEqual([]);
    expect(drill.passed).toBe(true);
    expect(drill.reportStatus).toBe('COMPLETED');
    expect(drill.execution.status).toBe('SUCCEEDED');
    expect(drill.details).toContainEqual(
      expect.stringMatching(/^failover \S+: RTO \d+ s \(MET\), RPO \d+ s \(MET\)$/),
    );
    expect(drill.details).toContainEqual(expect.stringMatching(/^failback: .* diff at the switch 0$/));
    expect(drill.details).toContainEqual('13 objects checked by SHA-256 in the replica and back in MinIO');
  });
});
