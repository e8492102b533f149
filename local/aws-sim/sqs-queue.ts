import { createHash, randomUUID } from 'node:crypto';
import { AwsServiceError } from './http.ts';
import { type MessageAttributes, md5OfMessageAttributes } from './sqs-message-attributes.ts';

/**
 * One standard SQS queue: messages stay until deleted or past retention; a received message is
 * invisible for its visibility timeout and then comes back with a higher receive count; a redrive
 * policy moves it to the dead-letter queue once it has been received maxReceiveCount times and
 * would be received again, which is when SQS moves it.
 */

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

export interface QueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly maximumMessageSize: number;
  readonly messageRetentionSeconds: number;
  readonly delaySeconds: number;
  readonly receiveMessageWaitTimeSeconds: number;
  readonly redrivePolicy?: RedrivePolicy;
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: MessageAttributes;
  readonly md5OfMessageAttributes: string | undefined;
  readonly senderId: string;
  /** Kept when the message moves to a dead-letter queue: retention counts from the first send. */
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Set once a redrive policy has moved the message: the queue it came from. */
  deadLetterQueueSourceArn?: string;
  /** Only the latest receipt handle deletes the message or changes its visibility. */
  receipt?: string;
}

export interface NewMessage {
  readonly body: string;
  readonly messageAttributes: MessageAttributes;
  readonly senderId: string;
  readonly delaySeconds: number;
}

export interface Received {
  readonly message: StoredMessage;
  readonly receiptHandle: string;
}

export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export class SqsQueue {
  private readonly messages: StoredMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;
  readonly createdAt = new Date();

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly url: string,
    readonly settings: QueueSettings,
    private readonly queueByArn: (arn: string) => SqsQueue | undefined,
  ) {}

  send(input: NewMessage): StoredMessage {
    const now = Date.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: createHash('md5').update(input.body, 'utf8').digest('hex'),
      messageAttributes: input.messageAttributes,
      md5OfMessageAttributes: md5OfMessageAttributes(input.messageAttributes),
      senderId: input.senderId,
      sentAt: now,
      visibleAt: now + input.delaySeconds * 1000,
      receiveCount: 0,
    };
    this.adopt(message);
    return message;
  }

  /** Up to `max` visible messages, each hidden for `visibilitySeconds` from now. */
  receive(max: number, visibilitySeconds: number): Received[] {
    const now = Date.now();
    this.dropExpired(now);
    const received: Received[] = [];
    for (const message of [...this.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      const deadLetter = this.deadLetterQueueFor(message);
      if (deadLetter) {
        this.remove(message);
        message.receipt = undefined;
        message.deadLetterQueueSourceArn = this.arn;
        deadLetter.adopt(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receipt = randomUUID();
      received.push({ message, receiptHandle: this.receiptHandle(message) });
    }
    return received;
  }

  /** Deleting a message that is gone, or with a superseded handle, succeeds and changes nothing. */
  delete(receiptHandle: string): void {
    const { messageId, receipt } = this.parseReceiptHandle(receiptHandle);
    const message = this.messages.find((candidate) => candidate.messageId === messageId);
    if (message && message.receipt === receipt) this.remove(message);
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    const { messageId, receipt } = this.parseReceiptHandle(receiptHandle);
    const message = this.messages.find((candidate) => candidate.messageId === messageId);
    if (!message || message.receipt !== receipt || message.visibleAt <= Date.now()) {
      throw new AwsServiceError(
        'MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
        400,
      );
    }
    message.visibleAt = Date.now() + seconds * 1000;
    this.wake();
  }

  counts(): QueueCounts {
    const now = Date.now();
    this.dropExpired(now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.messages) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiveCount > 0) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  }

  /**
   * Long polling: resolves when a message may have become visible (a send, a visibility change, a
   * visibility timeout running out) or at the deadline, whichever comes first.
   */
  waitForMessages(deadline: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const now = Date.now();
      const nextVisible = Math.min(
        ...this.messages.map((message) => message.visibleAt).filter((at) => at > now),
      );
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(deadline, nextVisible) - now));
      this.waiters.add(done);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends every long poll (the server is stopping). */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private adopt(message: StoredMessage): void {
    this.messages.push(message);
    this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  private remove(message: StoredMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }

  private dropExpired(now: number): void {
    const oldest = now - this.settings.messageRetentionSeconds * 1000;
    for (const message of this.messages.filter((candidate) => candidate.sentAt < oldest)) {
      this.remove(message);
    }
  }

  private deadLetterQueueFor(message: StoredMessage): SqsQueue | undefined {
    const policy = this.settings.redrivePolicy;
    if (!policy || message.receiveCount < policy.maxReceiveCount) return undefined;
    return this.queueByArn(policy.deadLetterTargetArn);
  }

  private receiptHandle(message: StoredMessage): string {
    const handle = { q: this.arn, m: message.messageId, r: message.receipt };
    return Buffer.from(JSON.stringify(handle)).toString('base64url');
  }

  private parseReceiptHandle(receiptHandle: string): { messageId: string; receipt: string } {
    try {
      const handle = JSON.parse(Buffer.from(receiptHandle, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      if (handle.q === this.arn && typeof handle.m === 'string' && typeof handle.r === 'string') {
        return { messageId: handle.m, receipt: handle.r };
      }
    } catch {
      // reported below, as SQS reports any handle it did not issue for this queue
    }
    throw new AwsServiceError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      404,
    );
  }
}
