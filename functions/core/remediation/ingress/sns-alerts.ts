import * as z from 'zod/mini';
import { deliveredAlerts } from './alert-events.ts';
import { InvalidAlertPayloadError } from './alert-group.ts';
import { type IngestDependencies, type IngestResult, ingestAlertEvents } from './ingest.ts';

/**
 * Amazon Managed Prometheus alerts through SNS: the topic invokes the function (through IAM, so no
 * HTTP credentials), one record per invocation. Same parse, dedup and publish path as the webhook;
 * failures throw, so Lambda's retry of the asynchronous invocation delivers the message again and
 * the dedup table keeps what was already published from going out twice.
 */
export const snsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({
          MessageId: z.string(),
          TopicArn: z.string(),
          Message: z.string(),
          MessageAttributes: z._default(
            z.record(z.string(), z.object({ Type: z.string(), Value: z.string() })),
            {},
          ),
        }),
      }),
    )
    .check(z.minLength(1)),
});
export type SnsEvent = z.output<typeof snsEventSchema>;
type SnsMessage = SnsEvent['Records'][number]['Sns'];

export async function ingestSnsAlerts(
  dependencies: IngestDependencies,
  event: SnsEvent,
): Promise<IngestResult> {
  const total: IngestResult = { alerts: 0, published: 0, duplicates: 0 };
  for (const { Sns } of event.Records) {
    const result = await ingestSnsMessage(dependencies, Sns);
    total.alerts += result.alerts;
    total.published += result.published;
    total.duplicates += result.duplicates;
  }
  return total;
}

async function ingestSnsMessage(
  dependencies: IngestDependencies,
  message: SnsMessage,
): Promise<IngestResult> {
  // AMP cuts messages above SNS's 256 KB and marks them: what is left is not the whole group.
  if (message.MessageAttributes.truncated?.Value === 'true') {
    throw new InvalidAlertPayloadError(
      `SNS message ${message.MessageId} from ${message.TopicArn} was truncated by Amazon Managed Prometheus`,
      {
        problems: [
          `(root): truncated above SNS's 256 KB limit (${message.MessageAttributes.modified?.Value ?? 'no detail'}); lower the route's group size`,
        ],
        messageId: message.MessageId,
      },
    );
  }
  const receivedAt = (dependencies.clock ?? (() => new Date()))();
  try {
    const { events } = deliveredAlerts(message.Message, 'amp-sns', { source: 'amp-sns', receivedAt });
    return await ingestAlertEvents(dependencies, events);
  } catch (error) {
    if (error instanceof InvalidAlertPayloadError) {
      error.details.messageId = message.MessageId;
      error.details.topicArn = message.TopicArn;
    }
    throw error;
  }
}
