import { describe, expect, it } from 'vitest';
import {
  actionLimits,
  peekRateLimits,
  type RateLimit,
  takeRateLimits,
} from '../../../../functions/core/remediation/rate-limits.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../support/local-dynamodb.ts';

describe('rate limits', () => {
  const dynamo = useLocalDynamoDb();
  const table = () => ({ dynamoDb: dynamo.client(), tableName: OPS_TABLE });
  let unique = 0;
  const scope = (name: string) => `${name}-${++unique}`;

  it('admits actions until the hourly limit, then refuses naming the limit', async () => {
    const limits: RateLimit[] = [{ scope: scope('playbook#delete-pod'), perHour: 3 }];
    const now = new Date('2026-11-26T10:10:00Z');
    for (let i = 0; i < 3; i++) expect((await takeRateLimits(table(), limits, now)).admitted).toBe(true);

    const refused = await takeRateLimits(table(), limits, now);
    expect(refused).toEqual({ admitted: false, scope: limits[0]!.scope, perHour: 3, recent: 3 });
    expect(await peekRateLimits(table(), limits, now)).toMatchObject({ admitted: false, recent: 3 });
  });

  it('never admits more than the limit to concurrent executions', async () => {
    const limits: RateLimit[] = [{ scope: scope('global'), perHour: 5 }];
    const now = new Date('2026-11-26T10:10:00Z');
    const decisions = await Promise.all(
      Array.from({ length: 25 }, () => takeRateLimits(table(), limits, now)),
    );
    expect(decisions.filter((decision) => decision.admitted)).toHaveLength(5);
  });

  it('carries the previous hour into the last 60 minutes, by the share of it still inside them', async () => {
    const limits: RateLimit[] = [{ scope: scope('target#c/prefect/Pod/p'), perHour: 4 }];
    for (let i = 0; i < 4; i++) await takeRateLimits(table(), limits, new Date('2026-11-26T09:50:00Z'));
    // At 10:15 three quarters of the 09:00 hour are still inside the last 60 minutes: 4 x 0.75 = 3.
    expect(await takeRateLimits(table(), limits, new Date('2026-11-26T10:15:00Z'))).toMatchObject({
      admitted: true,
    });
    expect(await takeRateLimits(table(), limits, new Date('2026-11-26T10:15:00Z'))).toMatchObject({
      admitted: false,
      recent: 4,
    });
    // At 10:45 only a quarter is left: 1 + 1 = 2 of 4.
    expect(await peekRateLimits(table(), limits, new Date('2026-11-26T10:45:00Z'))).toMatchObject({
      admitted: true,
    });
  });

  it('gives back what it took when a later limit refuses, so a refused action costs nothing', async () => {
    const playbook = scope('playbook#rollout-restart');
    const now = new Date('2026-11-26T11:05:00Z');
    const full = { scope: scope('target#c/prefect/Deployment/w'), perHour: 1 };
    await takeRateLimits(table(), [full], now);

    const refused = await takeRateLimits(table(), [{ scope: playbook, perHour: 2 }, full], now);
    expect(refused).toMatchObject({ admitted: false, scope: full.scope });
    // The playbook's two slots are both still free.
    expect((await takeRateLimits(table(), [{ scope: playbook, perHour: 2 }], now)).admitted).toBe(true);
    expect((await takeRateLimits(table(), [{ scope: playbook, perHour: 2 }], now)).admitted).toBe(true);
  });

  it('names the global, playbook and target limits of one action', () => {
    expect(
      actionLimits(
        { globalPerHour: 30, perPlaybookPerHour: 10, perTargetPerHour: 3 },
        'delete-pod',
        'c/n/Pod/p',
      ),
    ).toEqual([
      { scope: 'global', perHour: 30 },
      { scope: 'playbook#delete-pod', perHour: 10 },
      { scope: 'target#c/n/Pod/p', perHour: 3 },
    ]);
  });
});
