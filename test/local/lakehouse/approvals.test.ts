import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearJsonSecretCache } from '../../../functions/commons/json-secret.ts';
import { handler as requestApproval } from '../../../functions/request-approval.handler.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../../local/lakehouse/index.ts';
import { approvalRequest } from '../../functions/support/approvals.ts';
import { lambdaContext, useHandlerEnvironment } from '../../functions/support/lambda.ts';

/**
 * The approve-first tier wired through the local lakehouse as the drill runs it: the runner's
 * Tasks park in `lakehouse.taskTokens`, request-approval signs links to `lakehouse.approvalUrl`
 * with the seeded key, and the link's POST answers the parked Task through aws-sim's Step
 * Functions API (AWS_ENDPOINT_URL_SFN), over real HTTP all the way.
 */
describe('local lakehouse approvals', () => {
  let lakehouse: LocalLakehouse;
  beforeAll(async () => {
    lakehouse = await startLocalLakehouse();
  }, 60_000);
  afterAll(() => lakehouse?.stop());
  useHandlerEnvironment(() => ({ ...lakehouse.environment }));

  it('points Step Functions at aws-sim and the links at the loopback approval endpoint', () => {
    expect(lakehouse.environment.AWS_ENDPOINT_URL_SFN).toBe(lakehouse.awsSim.url);
    expect(lakehouse.environment.APPROVAL_URL).toBe(lakehouse.approvalUrl);
    expect(lakehouse.approvalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("answers the runner's parked Task when the notification's approve link is followed and submitted", async () => {
    clearJsonSecretCache();
    const { token, answer } = lakehouse.taskTokens.park('remediate-local', 'RequestApproval');
    const settled = answer.then(
      (output) => ({ output }),
      (error: Error) => ({ error }),
    );
    const before = lakehouse.published.length;
    const { approvalId } = (await requestApproval(
      approvalRequest(token, {
        target: {
          cluster: lakehouse.clusterName,
          namespace: 'prefect',
          kind: 'Pod',
          name: 'prefect-worker-abc',
        },
      }),
      lambdaContext('request-approval'),
    )) as { approvalId: string };
    const message = lakehouse.published[before]?.message ?? '';
    const link = /^Approve: +(\S+)$/m.exec(message)?.[1] ?? '';

    expect(link.startsWith(lakehouse.approvalUrl)).toBe(true);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Approve this remediation?');
    expect(lakehouse.taskTokens.pending().map((task) => task.token)).toContain(token);

    const form = new URLSearchParams([...new URL(link).searchParams, ['approver', 'drill@example.com']]);
    const decided = await fetch(link, { method: 'POST', body: form });

    expect(decided.status).toBe(200);
    expect(await settled).toEqual({
      output: { approved: true, approver: 'drill@example.com', decidedAt: expect.any(String), approvalId },
    });
  });
});
