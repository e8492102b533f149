import { describe, expect, it } from 'vitest';
import {
  admitThroughBreaker,
  readBreaker,
  recordPlaybookOutcome,
  resetBreaker,
} from '../../../../functions/core/remediation/breaker.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../support/local-dynamodb.ts';

const SETTINGS = { failures: 3, windowMinutes: 60, openMinutes: 120 };
const at = (time: string) => new Date(`2026-11-26T${time}:00Z`);

describe('playbook circuit breaker', () => {
  const dynamo = useLocalDynamoDb();
  const table = () => ({ dynamoDb: dynamo.client(), tableName: OPS_TABLE });
  let unique = 0;
  const playbook = () => `delete-pod-${++unique}`;

  it('opens after repeated failures within the window and then refuses, naming why', async () => {
    const name = playbook();
    await recordPlaybookOutcome(table(), name, false, at('10:00'), SETTINGS);
    await recordPlaybookOutcome(table(), name, false, at('10:10'), SETTINGS);
    expect(await admitThroughBreaker(table(), name, at('10:15'), SETTINGS)).toEqual({
      admitted: true,
      trial: false,
    });

    const opened = await recordPlaybookOutcome(table(), name, false, at('10:20'), SETTINGS);
    expect(opened).toEqual({ state: 'OPEN', openUntil: '2026-11-26T12:20:00.000Z', openedAfterFailures: 3 });
    expect(await admitThroughBreaker(table(), name, at('11:00'), SETTINGS)).toEqual({
      admitted: false,
      reason: `the ${name} breaker is open until 2026-11-26T12:20:00.000Z after 3 failures within 60 minutes`,
    });
  });

  it('counts concurrent failures all, and forgets failures older than the window', async () => {
    const name = playbook();
    await Promise.all([1, 2].map(() => recordPlaybookOutcome(table(), name, false, at('08:00'), SETTINGS)));
    expect(await readBreaker(table(), name, at('08:01'), SETTINGS)).toEqual({
      state: 'CLOSED',
      recentFailures: 2,
    });
    // Two hours later both are outside the window: one more failure does not open it.
    expect(await recordPlaybookOutcome(table(), name, false, at('10:00'), SETTINGS)).toEqual({
      state: 'CLOSED',
      recentFailures: 1,
    });
  });

  it('lets one trial through when half-open: its success closes, its failure reopens', async () => {
    const name = playbook();
    for (const time of ['09:00', '09:01', '09:02'])
      await recordPlaybookOutcome(table(), name, false, at(time), SETTINGS);

    // 11:02: open time over. Two executions race for the trial; one gets it.
    const racing = await Promise.all(
      [1, 2].map(() => admitThroughBreaker(table(), name, at('11:03'), SETTINGS)),
    );
    expect(racing.filter((admission) => admission.admitted)).toEqual([{ admitted: true, trial: true }]);

    expect(await recordPlaybookOutcome(table(), name, false, at('11:05'), SETTINGS)).toMatchObject({
      state: 'OPEN',
      openUntil: '2026-11-26T13:05:00.000Z',
    });
    expect(await admitThroughBreaker(table(), name, at('13:06'), SETTINGS)).toEqual({
      admitted: true,
      trial: true,
    });
    expect(await recordPlaybookOutcome(table(), name, true, at('13:07'), SETTINGS)).toEqual({
      state: 'CLOSED',
      recentFailures: 0,
    });
    expect(await admitThroughBreaker(table(), name, at('13:08'), SETTINGS)).toEqual({
      admitted: true,
      trial: false,
    });
  });

  it('closes when an operator resets it', async () => {
    const name = playbook();
    for (const time of ['09:00', '09:01', '09:02'])
      await recordPlaybookOutcome(table(), name, false, at(time), SETTINGS);
    await resetBreaker(table(), name);
    expect(await readBreaker(table(), name, at('09:03'), SETTINGS)).toEqual({
      state: 'CLOSED',
      recentFailures: 0,
    });
  });
});
