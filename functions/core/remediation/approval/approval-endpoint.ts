import * as z from 'zod/mini';
import { ConfigurationError, TransientError } from '../../../commons/errors.ts';
import { describeSchemaProblems, safeParseWithMessages } from '../../../commons/schema-problems.ts';
import type { HttpResponse } from '../ingress/alert-webhook.ts';
import { functionUrlEventSchema } from '../ingress/function-url.ts';
import type { IngressLogger } from '../ingress/ingest.ts';
import { hasValidSignature, type SignedLink, signedLinkOf, signedLinkSchema } from './approval-link.ts';
import { alreadyDecidedPage, confirmationPage, expiredPage, messagePage } from './approval-page.ts';
import { getApproval } from './approval-store.ts';
import {
  type DecisionDependencies,
  type DecisionOutcome,
  decideApproval,
  epochSeconds,
  MAX_APPROVER_LENGTH,
  MAX_REASON_LENGTH,
} from './decide-approval.ts';
import { describeApproval, describeRefusalConsequence } from './describe-approval.ts';

/**
 * The approval links as HTTP (behind approve-remediation's Function URL, auth NONE: the link's
 * signature is the authorisation). GET shows what the decision would do and a form; only the
 * form's POST decides. In order, with no side effect before the last step:
 *
 *     malformed 400 -> bad signature 403 -> link expired 410 -> (POST) no approver 400
 *     -> decide: 200 | already decided 409 | deadline passed or execution gone 410 | unknown 404
 *
 * A table or Step Functions failure that may pass answers 503 (the claim was given back).
 */
export interface ApprovalHttpRequest {
  readonly method: string;
  readonly rawQueryString: string;
  /** Decoded (Function URLs base64-encode some bodies). */
  readonly body: string;
  readonly contentType?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

/** The Function URL event (payload format 2.0), with the query string and the caller the links need. */
export const approvalUrlEventSchema = z.extend(functionUrlEventSchema, {
  rawQueryString: z._default(z.string(), ''),
  requestContext: z.object({
    http: z.object({
      method: z.string(),
      sourceIp: z.optional(z.string()),
      userAgent: z.optional(z.string()),
    }),
  }),
});
export type ApprovalUrlEvent = z.output<typeof approvalUrlEventSchema>;

export function approvalRequestOf(event: ApprovalUrlEvent): ApprovalHttpRequest {
  const { http } = event.requestContext;
  const body = event.body ?? '';
  return {
    method: http.method,
    rawQueryString: event.rawQueryString,
    body: event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
    contentType: event.headers['content-type'],
    sourceIp: http.sourceIp,
    userAgent: http.userAgent ?? event.headers['user-agent'],
  };
}

export interface ApprovalEndpointDependencies extends DecisionDependencies {
  signingKey: () => Promise<Buffer>;
  /** ENVIRONMENT_NAME, shown on the page so nobody approves production thinking it is staging. */
  environment: string;
  logger: IngressLogger;
}

/** A form with a name and a reason is a few hundred bytes. */
export const MAX_FORM_BYTES = 16 * 1024;

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

const decisionFormSchema = z.object({
  approver: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, "the approver's name or e-mail is required"),
      z.maxLength(MAX_APPROVER_LENGTH),
    ),
  reason: z.optional(z.string().check(z.trim(), z.maxLength(MAX_REASON_LENGTH))),
});

export async function handleApprovalRequest(
  dependencies: ApprovalEndpointDependencies,
  request: ApprovalHttpRequest,
): Promise<HttpResponse> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    return messagePage(
      405,
      'Method not allowed',
      [`${method} is not accepted: open the link, then submit the form.`],
      {
        allow: 'GET, HEAD, POST',
      },
    );
  }
  if (Buffer.byteLength(request.body) > MAX_FORM_BYTES) {
    return messagePage(413, 'Request too large', [`At most ${MAX_FORM_BYTES} bytes are accepted.`]);
  }
  if (method === 'POST' && !(request.contentType ?? '').toLowerCase().startsWith(FORM_CONTENT_TYPE)) {
    return messagePage(415, 'Unsupported request', [`The decision is a form post (${FORM_CONTENT_TYPE}).`]);
  }
  const fields = requestFields(request, method === 'POST');
  const parsedLink = safeParseWithMessages(signedLinkSchema, Object.fromEntries(fields), {
    showInput: false,
  });
  if (!parsedLink.success) {
    return messagePage(400, 'This approval link is incomplete', [
      'Open the link exactly as the notification gave it.',
      ...describeSchemaProblems(parsedLink.error.issues, { showInput: false }),
    ]);
  }
  const link = signedLinkOf(parsedLink.data);
  try {
    const key = await dependencies.signingKey();
    if (!hasValidSignature(key, link, link.signature)) {
      return messagePage(403, 'This approval link is not valid', [
        'Its signature does not match: it was altered, or signed with a key that has been rotated since.',
        'Nothing was changed.',
      ]);
    }
    const now = (dependencies.clock ?? (() => new Date()))();
    if (link.expiresAt <= epochSeconds(now)) {
      return expiredPage(`The link expired at ${new Date(link.expiresAt * 1000).toISOString()}.`);
    }
    return method === 'POST'
      ? await decide(dependencies, request, link, fields)
      : await confirm(dependencies, link);
  } catch (error) {
    return unavailable(dependencies, error);
  }
}

function requestFields(request: ApprovalHttpRequest, isPost: boolean): URLSearchParams {
  const fields = new URLSearchParams(request.rawQueryString);
  // The form posts the link's fields back; they take precedence over the URL it was posted to.
  if (isPost) for (const [name, value] of new URLSearchParams(request.body)) fields.set(name, value);
  return fields;
}

async function confirm(dependencies: ApprovalEndpointDependencies, link: SignedLink): Promise<HttpResponse> {
  const approval = await getApproval(dependencies.table, link.approvalId);
  if (!approval) return unknownApproval(link.approvalId);
  if (approval.status === 'APPROVED' || approval.status === 'REJECTED') return alreadyDecidedPage(approval);
  const now = epochSeconds((dependencies.clock ?? (() => new Date()))());
  if (approval.status === 'EXPIRED' || approval.deadline <= now) {
    return expiredPage(
      `The workflow stopped waiting at ${new Date(approval.deadline * 1000).toISOString()}.`,
      approval,
    );
  }
  return confirmationPage(approval, link, dependencies.environment);
}

async function decide(
  dependencies: ApprovalEndpointDependencies,
  request: ApprovalHttpRequest,
  link: SignedLink,
  fields: URLSearchParams,
): Promise<HttpResponse> {
  const form = safeParseWithMessages(
    decisionFormSchema,
    { approver: fields.get('approver') ?? '', reason: fields.get('reason') ?? undefined },
    { showInput: false },
  );
  if (!form.success) {
    return messagePage(400, 'Who decides?', [
      ...describeSchemaProblems(form.error.issues, { showInput: false }),
      'Go back, fill in your name or e-mail, and submit again. Nothing was changed.',
    ]);
  }
  const outcome = await decideApproval(dependencies, {
    approvalId: link.approvalId,
    decision: link.decision,
    approver: form.data.approver,
    ...(form.data.reason ? { reason: form.data.reason } : {}),
    via: 'link',
    ...(request.sourceIp ? { sourceIp: request.sourceIp } : {}),
    ...(request.userAgent ? { userAgent: request.userAgent } : {}),
  });
  dependencies.logger.info('approval decision', {
    approvalId: link.approvalId,
    decision: link.decision,
    outcome: outcome.outcome,
    approver: form.data.approver,
  });
  return outcomePage(outcome, link.approvalId);
}

function outcomePage(outcome: DecisionOutcome, approvalId: string): HttpResponse {
  switch (outcome.outcome) {
    case 'decided': {
      const { approval } = outcome;
      const what = describeApproval(approval);
      return approval.decision?.outcome === 'APPROVED'
        ? messagePage(200, 'Approved', [`It goes ahead: ${what}.`, 'Your approval is recorded.'])
        : messagePage(200, 'Rejected', [
            `It will not run ${what}; ${describeRefusalConsequence(approval)}.`,
            'Your rejection is recorded.',
          ]);
    }
    case 'already-decided':
      return alreadyDecidedPage(outcome.approval);
    case 'expired':
      return expiredPage(
        `The workflow stopped waiting at ${new Date(outcome.approval.deadline * 1000).toISOString()}.`,
        outcome.approval,
      );
    case 'execution-gone':
      return expiredPage(
        `The workflow had stopped waiting before your decision arrived (${outcome.taskError}). Your decision is recorded, but it decided nothing.`,
        outcome.approval,
      );
    case 'not-found':
      return unknownApproval(approvalId);
  }
}

function unknownApproval(approvalId: string): HttpResponse {
  return messagePage(404, 'Unknown approval', [
    `There is no approval ${approvalId} (any more). Nothing was changed.`,
  ]);
}

function unavailable(dependencies: ApprovalEndpointDependencies, error: unknown): HttpResponse {
  if (error instanceof ConfigurationError) {
    dependencies.logger.error('the approval endpoint is misconfigured', { error: error.message });
    return messagePage(500, 'Approvals are misconfigured', [
      'The approval endpoint cannot check links right now. Nothing was changed; tell the platform team.',
    ]);
  }
  if (error instanceof TransientError) {
    dependencies.logger.warn('approval endpoint dependency unavailable', { error: error.message });
    return messagePage(
      503,
      'Try again in a moment',
      ['The decision could not be recorded right now. Nothing was changed; submit again.'],
      { 'retry-after': '5' },
    );
  }
  throw error;
}
