import { SFNClient } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearJsonSecretCache } from '../../../../../functions/commons/json-secret.ts';
import { listApprovals } from '../../../../../functions/core/remediation/approval/approval-store.ts';
import { decideApproval } from '../../../../../functions/core/remediation/approval/decide-approval.ts';
import { describeApproval } from '../../../../../functions/core/remediation/approval/describe-approval.ts';
import { stepFunctionsTaskAnswers } from '../../../../../functions/core/remediation/approval/task-answers.ts';
import { handler as requestApproval } from '../../../../../functions/request-approval.handler.ts';
import { useApprovalBackends } from '../../../support/approvals.ts';
import {
  AWS_TEST_CREDENTIALS,
  lambdaContext,
  TEST_REGION,
  useHandlerEnvironment,
} from '../../../support/lambda.ts';
import { OPS_TABLE } from '../../../support/local-dynamodb.ts';
import { expectFailure } from '../../../support/rejection.ts';

/**
 * cost-optimise asks through remediation's approval (request-approval with `kind: 'change'`):
 * the same item, links, notification and decision, about a list of right-sizing changes.
 */
const CHANGES = [
  'StatefulSet minio/minio (container minio): cpu 1 -> 800m (requests) (MinIO is in the stateful tier: approval is required in every environment)',
];

describe('cost-optimise approvals through request-approval', () => {
  const backends = useApprovalBackends();
  useHandlerEnvironment(() => backends.environment());
  beforeEach(() => clearJsonSecretCache());

  async function ask() {
    const { token, answer } = backends.broker.park('cost-optimise-test', 'RequestApproval');
    const settled = answer.then(
      (output) => ({ output }),
      (error: Error) => ({ error }),
    );
    const published = backends.awsSim().published.length;
    const result = (await requestApproval(
      {
        kind: 'change',
        taskToken: token,
        executionId: 'cost-run-3',
        workflow: 'cost-optimise',
        title: 'apply right-sizing in test',
        changes: CHANGES,
        timeoutMinutes: 240,
      },
      lambdaContext('request-approval'),
    )) as { approvalId: string; expiresAt: number };
    return { ...result, token, settled, notification: backends.awsSim().published[published] };
  }

  it('stores a change approval and notifies with the changes and the signed links', async () => {
    const { approvalId, notification } = await ask();
    expect(await backends.item(approvalId)).toMatchObject({
      status: 'PENDING',
      kind: 'change',
      workflow: 'cost-optimise',
      title: 'apply right-sizing in test',
      changes: JSON.stringify(CHANGES),
      executionId: 'cost-run-3',
    });
    expect(notification?.subject).toBe('[test] Approval needed: apply right-sizing in test');
    expect(notification?.message).toContain(`- ${CHANGES[0]}`);
    expect(notification?.message).toContain(
      'the cost-optimise workflow skips the changes that needed this approval',
    );
    expect(notification?.message).toMatch(/^Approve: https:\/\/approvals\.example\.com\/\?id=/m);
  });

  it('lists it beside remediation approvals and answers the waiting Task when approved', async () => {
    const { approvalId, settled } = await ask();
    const table = { dynamoDb: backends.dynamo.client(), tableName: OPS_TABLE };
    const listed = (await listApprovals(table)).find((approval) => approval.approvalId === approvalId);
    expect(listed && describeApproval(listed)).toBe('cost-optimise: apply right-sizing in test');

    const sfn = new SFNClient({
      endpoint: backends.awsSim().url,
      region: TEST_REGION,
      credentials: AWS_TEST_CREDENTIALS,
    });
    const outcome = await decideApproval(
      { table, tasks: stepFunctionsTaskAnswers(sfn) },
      { approvalId, decision: 'approve', approver: 'alice@example.com', via: 'cli' },
    );
    expect(outcome.outcome).toBe('decided');
    expect(await settled).toEqual({
      output: expect.objectContaining({ approved: true, approver: 'alice@example.com', approvalId }),
    });
    sfn.destroy();
  });

  it('refuses a change approval without changes, naming the field', async () => {
    await expectFailure(
      requestApproval(
        {
          kind: 'change',
          taskToken: 't',
          executionId: 'e',
          workflow: 'cost-optimise',
          title: 'x',
          changes: [],
          timeoutMinutes: 5,
        },
        lambdaContext('request-approval'),
      ),
      'InvalidInputError',
      'changes',
    );
  });
});
