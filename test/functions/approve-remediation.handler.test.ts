import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/approve-remediation.handler.ts';
import { clearJsonSecretCache } from '../../functions/commons/json-secret.ts';
import { approvalLink } from '../../functions/core/remediation/approval/approval-link.ts';
import { TaskFailure } from '../../local/runner/task-tokens.ts';
import {
  APPROVAL_URL,
  type ApprovalBackends,
  SIGNING_KEY,
  type StartedApproval,
  startApproval,
  useApprovalBackends,
} from './support/approvals.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';

interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A browser opening `link` (GET), as a Function URL hands it to the function. */
function open(link: string, method = 'GET'): Promise<Response> {
  const url = new URL(link);
  return invoke({ method, rawQueryString: url.search.slice(1) });
}

/** The confirmation form submitted: the link's fields plus what the approver typed. */
function submit(
  link: string,
  typed: Record<string, string>,
  options: { base64?: boolean } = {},
): Promise<Response> {
  const url = new URL(link);
  const body = new URLSearchParams([...url.searchParams, ...Object.entries(typed)]).toString();
  return invoke({
    method: 'POST',
    rawQueryString: url.search.slice(1),
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 === true,
    contentType: 'application/x-www-form-urlencoded',
  });
}

async function invoke(request: {
  method: string;
  rawQueryString: string;
  body?: string;
  isBase64Encoded?: boolean;
  contentType?: string;
}): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (test)' };
  if (request.contentType) headers['content-type'] = request.contentType;
  return (await handler(
    {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/',
      rawQueryString: request.rawQueryString,
      headers,
      requestContext: {
        http: { method: request.method, path: '/', sourceIp: '203.0.113.9', userAgent: 'Mozilla/5.0 (test)' },
      },
      ...(request.body === undefined ? {} : { body: request.body }),
      isBase64Encoded: request.isBase64Encoded ?? false,
    },
    lambdaContext('approve-remediation'),
  )) as Response;
}

describe('approve-remediation handler', () => {
  const backends: ApprovalBackends = useApprovalBackends();
  useHandlerEnvironment(() => backends.environment());
  beforeEach(() => clearJsonSecretCache());

  const isParked = (approval: StartedApproval) =>
    backends.broker.pending().some((task) => task.token === approval.token);

  it('shows what will happen to which target on GET, and decides nothing', async () => {
    const approval = await startApproval(backends);

    const response = await open(approval.approveLink);

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.body).toContain('Approve this remediation?');
    expect(response.body).toContain('Pod prefect/prefect-worker-abc in cluster lakehouse-test');
    expect(response.body).toContain('delete-pod: delete a crash-looping pod');
    expect(response.body).toContain('<form method="post">');
    expect(response.body).toContain('name="approver" required');
    expect((await backends.item(approval.approvalId))?.status).toBe('PENDING');
    expect(isParked(approval)).toBe(true);
    expect((await open(approval.approveLink, 'HEAD')).statusCode).toBe(200);
    expect(isParked(approval)).toBe(true);
  });

  it('answers the waiting Task with the approver on POST, and records who, when and from where', async () => {
    const approval = await startApproval(backends);

    const response = await submit(approval.approveLink, {
      approver: ' ops@example.com ',
      reason: 'pod is wedged',
    });

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Approved');
    const answer = await approval.answer;
    expect(answer).toEqual({
      output: {
        approved: true,
        approver: 'ops@example.com',
        decidedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        approvalId: approval.approvalId,
      },
    });
    const item = await backends.item(approval.approvalId);
    expect(item).toMatchObject({
      status: 'APPROVED',
      decision: 'APPROVED',
      approver: 'ops@example.com',
      decidedAt: (answer as { output: { decidedAt: string } }).output.decidedAt,
      reason: 'pod is wedged',
      via: 'link',
      sourceIp: '203.0.113.9',
      userAgent: 'Mozilla/5.0 (test)',
    });
    // Kept past the deadline for "already decided by ...", not deleted by TTL at the deadline.
    expect(Number(item?.expiresAt)).toBeGreaterThan(approval.expiresAt);
  });

  it('fails the waiting Task with ApprovalRejected and the approver and reason on a rejection', async () => {
    const approval = await startApproval(backends);

    const response = await submit(
      approval.rejectLink,
      { approver: 'Dana', reason: 'not during the batch' },
      { base64: true },
    );

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Rejected');
    const answer = await approval.answer;
    expect('error' in answer && answer.error).toBeInstanceOf(TaskFailure);
    const failure = (answer as { error: TaskFailure }).error;
    expect(failure.name).toBe('ApprovalRejected');
    expect(JSON.parse(failure.message)).toEqual({
      approver: 'Dana',
      decidedAt: expect.any(String),
      approvalId: approval.approvalId,
      reason: 'not during the batch',
    });
    expect((await backends.item(approval.approvalId))?.status).toBe('REJECTED');
  });

  it('answers a second decision 409 naming who decided and when, and changes nothing', async () => {
    const approval = await startApproval(backends);
    await submit(approval.approveLink, { approver: 'first@example.com' });
    const first = await backends.item(approval.approvalId);

    const second = await submit(approval.rejectLink, { approver: 'second@example.com' });
    const reopened = await open(approval.approveLink);

    expect(second.statusCode).toBe(409);
    expect(second.body).toContain(`Approved by first@example.com at ${first?.decidedAt}`);
    expect(reopened.statusCode).toBe(409);
    expect(await backends.item(approval.approvalId)).toEqual(first);
  });

  it('answers 410 and decides nothing for a link past its expiry', async () => {
    const approval = await startApproval(backends);
    const expired = approvalLink(APPROVAL_URL, SIGNING_KEY, {
      approvalId: approval.approvalId,
      decision: 'approve',
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });

    const response = await submit(expired, { approver: 'late@example.com' });

    expect(response.statusCode).toBe(410);
    expect((await open(expired)).statusCode).toBe(410);
    expect((await backends.item(approval.approvalId))?.status).toBe('PENDING');
    expect(isParked(approval)).toBe(true);
  });

  it('answers 403 and decides nothing when the signature does not match', async () => {
    const approval = await startApproval(backends);
    // The approve link's signature does not cover "reject"; nor does another key's.
    const tampered = approval.approveLink.replace('decision=approve', 'decision=reject');
    const otherKey = approvalLink(APPROVAL_URL, Buffer.alloc(32, 9), {
      approvalId: approval.approvalId,
      decision: 'approve',
      expiresAt: approval.expiresAt,
    });

    for (const link of [tampered, otherKey]) {
      expect((await submit(link, { approver: 'mallory' })).statusCode).toBe(403);
      expect((await open(link)).statusCode).toBe(403);
    }
    expect((await backends.item(approval.approvalId))?.status).toBe('PENDING');
    expect(isParked(approval)).toBe(true);
  });

  it('answers 400 for a malformed link or a form without the approver, and decides nothing', async () => {
    const approval = await startApproval(backends);
    const withoutSignature = approval.approveLink.replace(/&sig=[0-9a-f]+/, '');

    const noSignature = await open(withoutSignature);
    const noApprover = await submit(approval.approveLink, { approver: '   ' });

    expect(noSignature.statusCode).toBe(400);
    expect(noSignature.body).toContain('sig: expected string');
    expect(noApprover.statusCode).toBe(400);
    expect(noApprover.body).toContain('the approver&#39;s name or e-mail is required');
    expect((await open(`${APPROVAL_URL}?id=x`)).statusCode).toBe(400);
    expect((await backends.item(approval.approvalId))?.status).toBe('PENDING');
    expect(isParked(approval)).toBe(true);
  });

  it('answers 410 and records it when the execution stopped waiting before the decision', async () => {
    const approval = await startApproval(backends);
    // What the runner does when the Task's TimeoutSeconds pass (States.Timeout).
    backends.broker.abandon(approval.token);

    const response = await submit(approval.approveLink, { approver: 'late@example.com' });

    expect(response.statusCode).toBe(410);
    expect(response.body).toContain('TaskTimedOut');
    expect(await backends.item(approval.approvalId)).toMatchObject({
      status: 'EXPIRED',
      decision: 'APPROVED',
      approver: 'late@example.com',
      taskError: 'TaskTimedOut',
    });
    expect((await submit(approval.approveLink, { approver: 'later@example.com' })).statusCode).toBe(410);
  });

  it('answers 503 and gives the claim back when Step Functions cannot be reached', async () => {
    const approval = await startApproval(backends);
    vi.stubEnv('AWS_ENDPOINT_URL_SFN', 'http://127.0.0.1:9');
    vi.resetModules();
    const { handler: isolated } = await import('../../functions/approve-remediation.handler.ts');
    const url = new URL(approval.approveLink);
    const body = new URLSearchParams([...url.searchParams, ['approver', 'ops']]).toString();

    const response = (await isolated(
      {
        version: '2.0',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        rawQueryString: '',
        body,
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST' } },
      },
      lambdaContext('approve-remediation'),
    )) as Response;

    expect(response.statusCode).toBe(503);
    expect(await backends.item(approval.approvalId)).toMatchObject({ status: 'PENDING' });
    expect((await backends.item(approval.approvalId))?.approver).toBeUndefined();
    expect(isParked(approval)).toBe(true);
  });

  it('answers 405 for other methods', async () => {
    const approval = await startApproval(backends);

    const response = await open(approval.approveLink, 'DELETE');

    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD, POST');
  });
});
