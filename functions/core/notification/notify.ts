import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';
import { callAws } from '../../commons/transient-errors.ts';
import { checkResultSchema } from '../validation/check-result.ts';

/** The notify step's input, the same for every workflow; `detail` is usually the workflow's report. */
export const notificationRequestSchema = z.object({
  workflow: nonEmptyString(),
  subject: nonEmptyString(),
  summary: z.string(),
  detail: z.optional(z.unknown()),
});
export type NotificationRequest = z.output<typeof notificationRequestSchema>;

export interface NotificationTarget {
  sns: SNSClient;
  topicArn: string;
  environment: string;
}

/** SNS rejects subjects of 100 characters or more, and anything but printable ASCII. */
export const MAX_SUBJECT_LENGTH = 99;
/** SNS messages may be 256 KiB; stay well under it, the full report is in the execution history. */
const MAX_DETAIL_LENGTH = 200_000;

export async function publishNotification(
  { sns, topicArn, environment }: NotificationTarget,
  request: NotificationRequest,
): Promise<{ messageId: string }> {
  const { MessageId } = await callAws(`sns:Publish ${topicArn}`, () =>
    sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: toSnsSubject(`[${environment}] ${request.subject}`),
        Message: formatMessage(environment, request),
      }),
    ),
  );
  return { messageId: MessageId ?? '' };
}

/**
 * Printable ASCII on one line, at most MAX_SUBJECT_LENGTH characters, never empty. A long subject
 * loses its middle: its start says what happened, its end names what to (`... on <Deployment>`).
 */
export function toSnsSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  const kept = MAX_SUBJECT_LENGTH - 3;
  const head = Math.ceil(kept / 2);
  const subject =
    ascii.length > MAX_SUBJECT_LENGTH
      ? `${ascii.slice(0, head)}...${ascii.slice(ascii.length - (kept - head))}`
      : ascii;
  return subject || 'lakehouse-ops notification';
}

/** Summary first, then what failed (when the detail is a report with checks), then the detail itself. */
export function formatMessage(environment: string, request: NotificationRequest): string {
  const sections = [request.summary, `Workflow: ${request.workflow}\nEnvironment: ${environment}`];
  const failed = failedChecks(request.detail);
  if (failed.length > 0) {
    sections.push(
      ['Failed checks:', ...failed.map((check) => `- ${check.name} (${check.status}): ${check.detail}`)].join(
        '\n',
      ),
    );
  }
  if (request.detail !== undefined) {
    const detail = JSON.stringify(request.detail, null, 2);
    sections.push(
      `Detail:\n${detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH)}\n... (truncated)` : detail}`,
    );
  }
  return sections.join('\n\n');
}

function failedChecks(detail: unknown): z.output<typeof checkResultSchema>[] {
  const checks = (detail as { checks?: unknown } | undefined)?.checks;
  if (!Array.isArray(checks)) return [];
  return checks.flatMap((check) => {
    const parsed = checkResultSchema.safeParse(check);
    return parsed.success && parsed.data.status !== 'PASSED' ? [parsed.data] : [];
  });
}
