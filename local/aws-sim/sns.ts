import { randomUUID } from 'node:crypto';
import { AwsServiceError, type SimRequest, type SimResponse } from './http.ts';
import { escapeXml } from './xml.ts';

/**
 * SNS Publish over the query protocol (form-encoded request, XML response). Messages are recorded in
 * memory in publish order so the drill and the tests can assert on what operators would have received.
 */

export interface PublishedNotification {
  readonly topicArn: string;
  readonly subject: string | undefined;
  readonly message: string;
  readonly messageId: string;
  readonly at: Date;
}

const XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
// SNS limits: 256 KiB message, 100-character subject.
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 100;

export class SnsSimulator {
  private readonly topics: Set<string>;
  private readonly messages: PublishedNotification[] = [];

  constructor(topicArns: readonly string[]) {
    this.topics = new Set(topicArns);
  }

  /** Everything published so far, oldest first (a copy: callers cannot rewrite history). */
  get published(): readonly PublishedNotification[] {
    return [...this.messages];
  }

  handles(request: SimRequest): boolean {
    return (
      request.method === 'POST' &&
      String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') &&
      new URLSearchParams(request.body).has('Action')
    );
  }

  handle(request: SimRequest): SimResponse {
    const form = new URLSearchParams(request.body);
    const action = form.get('Action');
    if (action !== 'Publish') {
      throw new AwsServiceError('InvalidAction', `aws-sim SNS does not implement the action ${action}`, 400);
    }
    const notification = this.publish(form);
    return xmlResponse(
      200,
      `<PublishResponse xmlns="${XML_NAMESPACE}"><PublishResult><MessageId>${notification.messageId}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  }

  private publish(form: URLSearchParams): PublishedNotification {
    const topicArn = form.get('TopicArn') ?? form.get('TargetArn');
    if (!topicArn)
      throw new AwsServiceError(
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
        400,
      );
    if (!this.topics.has(topicArn)) throw new AwsServiceError('NotFound', 'Topic does not exist', 404);
    const message = form.get('Message');
    if (message === null || message === '') {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Message Reason: Empty message', 400);
    }
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Message too long', 400);
    }
    const subject = form.get('Subject') ?? undefined;
    if (subject !== undefined && (subject.length > MAX_SUBJECT_LENGTH || /[\r\n]/.test(subject))) {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Subject', 400);
    }
    const notification = { topicArn, subject, message, messageId: randomUUID(), at: new Date() };
    this.messages.push(notification);
    return notification;
  }
}

function xmlResponse(status: number, body: string): SimResponse {
  return { status, headers: { 'content-type': 'text/xml' }, body };
}

export function renderQueryError(error: AwsServiceError): SimResponse {
  return xmlResponse(
    error.status,
    `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}
