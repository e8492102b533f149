import { afterEach, describe, expect, it } from 'vitest';
import {
  PROMETHEUS_RECORDING,
  RECORD_VARIABLE,
  REPLAY_VARIABLE,
  usageAnswersFor,
} from '../../../../local/cli/drill/rightsizing-fixture.ts';
import { RIGHTSIZING_DRILL_SCENARIOS } from '../../../../local/cli/drill/rightsizing-scenarios.ts';
import { runDrill } from '../../../../local/cli/drill/run-drill.ts';

const RECORDED = `right-sizing runs on recorded query results (${PROMETHEUS_RECORDING})`;

describe('usageAnswersFor', () => {
  it('uses the real Prometheus where it is installed, and says nothing about it', () => {
    expect(usageAnswersFor('s', true, {})).toEqual({ answers: { from: 'prometheus' } });
  });

  it('replays the recording where Prometheus is missing, or when asked to, and says so', () => {
    const missing = usageAnswersFor('s', false, {});
    expect(missing.says).toBe(`Prometheus is not installed: ${RECORDED}`);
    expect(missing.answers).toMatchObject({ from: 'recording', section: 's' });
    expect(usageAnswersFor('s', true, { [REPLAY_VARIABLE]: '1' }).says).toBe(
      `${REPLAY_VARIABLE}=1: ${RECORDED}`,
    );
  });

  it('records only a real Prometheus, and refuses a replay setting it does not know', () => {
    expect(usageAnswersFor('s', true, { [RECORD_VARIABLE]: 'out.json' }).answers).toMatchObject({
      from: 'prometheus',
      recordTo: { section: 's', file: expect.stringMatching(/\/out\.json$/) },
    });
    expect(() => usageAnswersFor('s', false, { [RECORD_VARIABLE]: 'out.json' })).toThrow(
      `${RECORD_VARIABLE} records a real Prometheus' answers: install prometheus and promtool`,
    );
    expect(() => usageAnswersFor('s', true, { [RECORD_VARIABLE]: 'o', [REPLAY_VARIABLE]: '1' })).toThrow(
      `unset ${REPLAY_VARIABLE}`,
    );
    expect(() => usageAnswersFor('s', true, { [REPLAY_VARIABLE]: 'yes' })).toThrow(
      `${REPLAY_VARIABLE} is "yes": expected 1 or true`,
    );
  });
});

describe('the right-sizing drill scenarios on recorded Prometheus answers', () => {
  const previous = process.env[REPLAY_VARIABLE];
  afterEach(() => {
    if (previous === undefined) delete process.env[REPLAY_VARIABLE];
    else process.env[REPLAY_VARIABLE] = previous;
  });

  it('right-size within the guardrails and roll back the OOM-killed Deployment, judged from kube-sim and the report bucket', async () => {
    process.env[REPLAY_VARIABLE] = '1';
    const report = await runDrill({ scenarios: RIGHTSIZING_DRILL_SCENARIOS });
    expect(report.skipped).toEqual([]);
    const byId = new Map(report.scenarios.map((scenario) => [scenario.id, scenario]));
    for (const id of ['rightsizing-run', 'rightsizing-rollback-on-oom']) {
      expect(byId.get(id)?.problems, id).toEqual([]);
      expect(byId.get(id)?.passed, id).toBe(true);
      expect(byId.get(id)?.details[0], id).toBe(`${REPLAY_VARIABLE}=1: ${RECORDED}`);
    }
    expect(byId.get('rightsizing-rollback-on-oom')?.details).toContainEqual(
      expect.stringMatching(
        /^ROLLED_BACK s5cmd\/Deployment\/sync-writer\/main: .*OOM kills rose from 0 to \d/,
      ),
    );
  }, 240_000);
});
