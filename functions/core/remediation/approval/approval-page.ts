import type { HttpResponse } from '../ingress/alert-webhook.ts';
import type { SignedLink } from './approval-link.ts';
import type { ApprovalRecord } from './approval-store.ts';
import { MAX_APPROVER_LENGTH, MAX_REASON_LENGTH } from './decide-approval.ts';
import {
  describeAction,
  describeApproval,
  describeRefusalConsequence,
  describeTarget,
} from './describe-approval.ts';

/**
 * The pages of the approval endpoint: self-contained HTML (no script, no external resource), sent
 * with headers that keep them out of caches and frames and keep the signed URL out of Referer
 * headers. Every value from the approval or the request is escaped.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}' +
  'dt{font-weight:600}dd{margin:0 0 .5rem}label{display:block;margin-top:1rem;font-weight:600}' +
  'input,textarea{width:100%;padding:.4rem;font:inherit}button{margin-top:1rem;padding:.5rem 1.5rem;font:inherit}' +
  'code{word-break:break-all}';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(
  statusCode: number,
  title: string,
  bodyHtml: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { ...PAGE_HEADERS, ...headers },
    body:
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
      `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
      `<body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`,
  };
}

/** A page that says one thing: a refusal, or the outcome of a decision. */
export function messagePage(
  statusCode: number,
  title: string,
  paragraphs: readonly string[],
  headers: Record<string, string> = {},
): HttpResponse {
  return page(statusCode, title, paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join(''), headers);
}

function approvalFacts(approval: ApprovalRecord, environment: string): string {
  const subject: [string, string][] =
    approval.kind === 'change'
      ? [
          ['Workflow', approval.workflow],
          ['Action', describeApproval(approval)],
          ['Changes', approval.changes.join('\n')],
        ]
      : [
          [
            'Alert',
            `${approval.alert.alertname} (${approval.alert.severity})${approval.alert.annotations.summary ? `: ${approval.alert.annotations.summary}` : ''}`,
          ],
          ['Target', `${describeTarget(approval.target)} in cluster ${approval.target.cluster}`],
          ['Action', describeAction(approval)],
        ];
  const facts: [string, string][] = [
    ['Environment', environment],
    ...subject,
    ['Execution', approval.executionId],
    ['Waits until', new Date(approval.deadline * 1000).toISOString()],
  ];
  return `<dl>${facts.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd style="white-space:pre-line">${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

/**
 * What will happen, to which target, and a form that POSTs the decision with the approver's name.
 * Opening the link decides nothing: mail scanners and link previews open links too.
 */
export function confirmationPage(
  approval: ApprovalRecord,
  link: SignedLink,
  environment: string,
): HttpResponse {
  const approving = link.decision === 'approve';
  const hidden = (
    [
      ['id', link.approvalId],
      ['decision', link.decision],
      ['expires', String(link.expiresAt)],
      ['sig', link.signature],
    ] as const
  )
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  const what = approval.kind === 'change' ? 'change' : 'remediation';
  const consequence = approving
    ? `Approving lets the ${what} run now.`
    : `Rejecting stops it; ${describeRefusalConsequence(approval)} instead.`;
  return page(
    200,
    approving ? `Approve this ${what}?` : `Reject this ${what}?`,
    `${approvalFacts(approval, environment)}<p>${escapeHtml(consequence)}</p>` +
      `<form method="post">${hidden}` +
      `<label for="approver">Your name or e-mail (recorded)</label>` +
      `<input id="approver" name="approver" required maxlength="${MAX_APPROVER_LENGTH}" autocomplete="email">` +
      `<label for="reason">Reason (optional)</label>` +
      `<textarea id="reason" name="reason" rows="3" maxlength="${MAX_REASON_LENGTH}"></textarea>` +
      `<button type="submit">${approving ? 'Approve' : 'Reject'}</button></form>`,
  );
}

/** The approval was decided before: by whom, when, and how. */
export function alreadyDecidedPage(approval: ApprovalRecord): HttpResponse {
  const decision = approval.decision;
  const who = decision
    ? `${decision.outcome === 'APPROVED' ? 'Approved' : 'Rejected'} by ${decision.approver} at ${decision.decidedAt}${decision.reason ? ` (reason: ${decision.reason})` : ''}.`
    : 'Someone decided it a moment ago.';
  return messagePage(409, 'Already decided', [
    `This approval of ${describeApproval(approval)} was already decided.`,
    who,
    'Nothing was changed.',
  ]);
}

/** `approval` when it is known (a link that expired by itself is refused before it is read). */
export function expiredPage(detail: string, approval?: ApprovalRecord): HttpResponse {
  const consequence = approval
    ? `${describeRefusalConsequence(approval)}.`
    : 'what needed it did not happen.';
  return messagePage(410, 'This approval has expired', [
    detail,
    `Nothing was changed. The workflow no longer waits for a decision; ${consequence}`,
  ]);
}
