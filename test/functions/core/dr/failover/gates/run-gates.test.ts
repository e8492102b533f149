import { describe, expect, it } from 'vitest';
import { decide } from '../../../../../../functions/core/dr/failover/gates/run-gates.ts';
import {
  evaluateGate,
  type GateVerdict,
} from '../../../../../../functions/core/dr/failover/gates/verdict.ts';

const verdict = (gate: GateVerdict['gate'], passed: boolean): GateVerdict => ({
  gate,
  passed,
  detail: passed ? 'fine' : 'not fine',
  evidence: { measured: passed ? 0 : 1, limit: 0, unit: 'problems' },
  durationMs: 1,
});

describe('failover gate decision', () => {
  const allPassed = [verdict('replication-lag', true), verdict('images-in-dr-region', true)];
  const twoFailed = [
    verdict('replication-lag', false),
    verdict('last-verify-backup', true),
    verdict('images-in-dr-region', false),
  ];

  it('is PASSED when every gate passed, forced or not', () => {
    for (const force of [false, true]) {
      expect(decide(allPassed, force)).toEqual({
        status: 'PASSED',
        failedGates: [],
        approvalRequired: false,
        summary: 'all 2 failover gates passed',
      });
    }
  });

  it('is FAILED, naming the failed gates, when a gate failed and the request does not force', () => {
    expect(decide(twoFailed, false)).toEqual({
      status: 'FAILED',
      failedGates: ['replication-lag', 'images-in-dr-region'],
      approvalRequired: false,
      summary:
        '2 of 3 failover gates failed (replication-lag and images-in-dr-region): the failover stops here; fix what they name, or re-run with force and an approval',
    });
  });

  it('is FORCED and needs an approval when a gate failed and the request forces', () => {
    expect(decide(twoFailed, true)).toMatchObject({
      status: 'FORCED',
      failedGates: ['replication-lag', 'images-in-dr-region'],
      approvalRequired: true,
    });
  });
});

describe('evaluateGate', () => {
  it('turns a gate that does not answer in time into a failed verdict with its limit', async () => {
    const result = await evaluateGate(
      'dr-cluster-reachable',
      { limit: 0, unit: 'checks failed' },
      () => new Promise(() => undefined),
      50,
    );

    expect(result).toMatchObject({
      gate: 'dr-cluster-reachable',
      passed: false,
      detail: 'the dr-cluster-reachable gate could not be evaluated: Error: no answer within 0.05 s',
      evidence: { measured: null, limit: 0, unit: 'checks failed' },
    });
  });
});
