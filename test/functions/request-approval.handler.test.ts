import { beforeEach, describe, expect, it, vi } from 'vitest';
import { clearJsonSecretCache } from '../../functions/commons/json-secret.ts';
import { signApprovalLink } from '../../functions/core/remediation/approval/approval-link.ts';
import { listApprovals } from '../../functions/core/remediation/approval/approval-store.ts';
import { handler } from '../../functions/request-approval.handler.ts';
import {
  APPROVAL_TOPIC,
  APPROVAL_URL,
  approvalRequest,
  EXECUTION_ID,
  SIGNING_KEY,
  startApproval,
  useApprovalBackends,
} from './support/approvals.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE } from './support/local-dynamodb.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

describe('request-approval handler', () => {
  const backends = useApprovalBackends();
  useHandlerEnvironment(() => backends.environment());
  beforeEach(() => clearJsonSecretCache());

  const invoke = (event: unknown) => handler(event, lambdaContext('request-approval'));

  it('stores the pending approval with its task token and a deadline of timeoutMinutes', async () => {
    const before = Math.floor(Date.now() / 1000);
    const started = await startApproval(backends, { timeoutMinutes: 30 });

    expect(started.expiresAt).toBeGreaterThanOrEqual(before + 30 * 60);
    expect(started.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * 60);
    expect(await backends.item(started.approvalId)).toMatchObject({
      pk: `APPROVAL#${started.approvalId}`,
      sk: 'APPROVAL',
      status: 'PENDING',
      taskToken: started.token,
      executionId: EXECUTION_ID,
      playbook: 'delete-pod',
      params: '{"minRestarts":5}',
      dryRun: 'false',
      deadline: String(started.expiresAt),
      expiresAt: String(started.expiresAt),
    });
  });

  it('notifies with the alert, target, action, expiry and two signed links', async () => {
    const started = await startApproval(backends, { dryRun: true });
    const { notification } = started;

    expect(notification.topicArn).toBe(APPROVAL_TOPIC);
    expect(notification.subject).toBe('[test] Approval needed: delete-pod on Pod prefect/prefect-worker-abc');
    expect(notification.message).toContain(
      'PodCrashLooping (warning) on Pod prefect/prefect-worker-abc in cluster lakehouse-test: prefect-worker-abc restarted 7 times',
    );
    expect(notification.message).toContain('delete-pod: delete a crash-looping pod');
    expect(notification.message).toContain('with {"minRestarts":5} as a DRY RUN');
    expect(notification.message).toContain(new Date(started.expiresAt * 1000).toISOString());
    expect(notification.message).toContain(`lakehouse-ops approvals decide ${started.approvalId}`);
    for (const [link, decision] of [
      [started.approveLink, 'approve'],
      [started.rejectLink, 'reject'],
    ] as const) {
      const url = new URL(link);
      expect(`${url.origin}${url.pathname}`).toBe(APPROVAL_URL);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        id: started.approvalId,
        decision,
        expires: String(started.expiresAt),
        sig: signApprovalLink(SIGNING_KEY, {
          approvalId: started.approvalId,
          decision,
          expiresAt: started.expiresAt,
        }),
      });
    }
  });

  it('leaves no pending approval when the notification cannot be published', async () => {
    vi.stubEnv('NOTIFICATION_TOPIC_ARN', `${APPROVAL_TOPIC}-missing`);
    const table = { dynamoDb: backends.dynamo.client(), tableName: OPS_TABLE };
    const before = (await listApprovals(table)).length;

    await expect(invoke(approvalRequest('token-of-a-lost-approval'))).rejects.toMatchObject({
      name: 'NotFoundException',
    });

    expect((await listApprovals(table)).length).toBe(before);
  });

  it('fails with ConfigurationError and stores nothing when the signing secret is missing', async () => {
    vi.stubEnv('APPROVAL_SIGNING_SECRET_ID', 'lakehouse/test/no-such-secret');
    const table = { dynamoDb: backends.dynamo.client(), tableName: OPS_TABLE };
    const before = (await listApprovals(table)).length;

    await expectFailure(
      invoke(approvalRequest('token-without-key')),
      'ConfigurationError',
      'the approval signing secret lakehouse/test/no-such-secret does not exist',
    );
    expect((await listApprovals(table)).length).toBe(before);
  });

  it('refuses an event without the task token, naming it', async () => {
    const { taskToken: _token, ...event } = approvalRequest('unused');

    await expectFailure(invoke(event), 'InvalidInputError', 'taskToken');
  });

  itRefusesEnvironment('APPROVAL_URL', 'not a url', () => invoke(approvalRequest('unused')));
});
