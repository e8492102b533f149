import {
  AwsServiceError,
  jsonResponse,
  parseJsonBody,
  requireString,
  type SimRequest,
  type SimResponse,
} from './http.ts';
import {
  attributesByteLength,
  parseMessageAttributes,
  selectMessageAttributes,
} from './sqs-message-attributes.ts';
import { type QueueSettings, type Received, type RedrivePolicy, SqsQueue } from './sqs-queue.ts';

/**
 * Amazon SQS (standard queues) over the AWS JSON 1.0 protocol that SDK v3's @aws-sdk/client-sqs
 * speaks (`X-Amz-Target: AmazonSQS.<Operation>`, `x-amzn-query-mode: true`). Queue URLs are
 * `<server url>/<account>/<name>`: the SDK sends each call to the host in its QueueUrl, so they
 * must point back at this server. Standard queues only: the project uses no FIFO queue.
 */

export interface SqsQueueSeed {
  readonly name: string;
  /** CreateQueue's Attributes, e.g. VisibilityTimeout or RedrivePolicy (a dead-letter queue comes first). */
  readonly attributes?: Readonly<Record<string, string>>;
}

/**
 * What an injected failure makes a send answer (a service-side fault, 500: SenderFault false in a
 * batch); undefined lets the message through.
 */
export type SendFailureRule = (message: {
  readonly queueName: string;
  readonly body: string;
}) => { readonly code: string; readonly message: string } | undefined;

const TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
// 256 KiB: the message size limit the project's queues and Lambda's SQS events are sized for.
const MAX_MESSAGE_BYTES = 262_144;
const MAX_BATCH_ENTRIES = 10;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_WAIT_SECONDS = 20;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'DeadLetterQueueSourceArn',
];

interface AttributeRule {
  readonly setting: keyof Omit<QueueSettings, 'redrivePolicy'>;
  readonly min: number;
  readonly max: number;
  readonly defaultValue: number;
}
const NUMERIC_ATTRIBUTES: Readonly<Record<string, AttributeRule>> = {
  VisibilityTimeout: {
    setting: 'visibilityTimeoutSeconds',
    min: 0,
    max: MAX_VISIBILITY_SECONDS,
    defaultValue: 30,
  },
  MaximumMessageSize: {
    setting: 'maximumMessageSize',
    min: 1024,
    max: MAX_MESSAGE_BYTES,
    defaultValue: MAX_MESSAGE_BYTES,
  },
  MessageRetentionPeriod: {
    setting: 'messageRetentionSeconds',
    min: 60,
    max: 1_209_600,
    defaultValue: 345_600,
  },
  DelaySeconds: { setting: 'delaySeconds', min: 0, max: 900, defaultValue: 0 },
  ReceiveMessageWaitTimeSeconds: {
    setting: 'receiveMessageWaitTimeSeconds',
    min: 0,
    max: MAX_WAIT_SECONDS,
    defaultValue: 0,
  },
};
const QUEUE_ATTRIBUTE_NAMES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  ...Object.keys(NUMERIC_ATTRIBUTES),
  'RedrivePolicy',
];

/** The query-protocol codes the SDK maps back to its modelled exceptions (x-amzn-query-error). */
const QUERY_ERROR_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

export class SqsSimulator {
  private readonly queues = new Map<string, SqsQueue>();
  private readonly sendFailures = new Set<SendFailureRule>();
  private baseUrl = '';

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** Queue URLs carry the server's address, which exists only once it listens. */
  listen(baseUrl: string, seeds: readonly SqsQueueSeed[]): void {
    this.baseUrl = baseUrl;
    for (const seed of seeds) this.createQueue(seed.name, seed.attributes ?? {});
  }

  queueUrl(name: string): string {
    return this.queue(name).url;
  }

  queueArn(name: string): string {
    return this.queue(name).arn;
  }

  /** Makes matching sends fail (an unavailable queue) until the returned function is called. */
  failSends(rule: SendFailureRule): () => void {
    this.sendFailures.add(rule);
    return () => this.sendFailures.delete(rule);
  }

  /** Ends the long polls in progress so the server can close. */
  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }

  handles(request: SimRequest): boolean {
    return String(request.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX);
  }

  async handle(request: SimRequest): Promise<SimResponse> {
    const operation = String(request.headers['x-amz-target']).slice(TARGET_PREFIX.length);
    const body = parseJsonBody(request);
    return jsonResponse(200, await this.operate(operation, body, senderIdOf(request)), CONTENT_TYPE);
  }

  private async operate(
    operation: string,
    body: Record<string, unknown>,
    senderId: string,
  ): Promise<unknown> {
    switch (operation) {
      case 'CreateQueue':
        return {
          QueueUrl: this.createQueue(requireParameter(body, 'QueueName'), stringMap(body.Attributes)).url,
        };
      case 'GetQueueUrl':
        return { QueueUrl: this.queue(requireParameter(body, 'QueueName')).url };
      case 'GetQueueAttributes':
        return this.getQueueAttributes(body);
      case 'SendMessage':
        return this.sendMessage(this.queueOf(body), body, senderId);
      case 'SendMessageBatch':
        return this.sendMessageBatch(body, senderId);
      case 'ReceiveMessage':
        return this.receiveMessage(body);
      case 'DeleteMessage':
        this.queueOf(body).delete(requireParameter(body, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch': {
        const queue = this.queueOf(body);
        return eachEntry(body, (entry) => {
          queue.delete(requireParameter(entry, 'ReceiptHandle'));
          return {};
        });
      }
      case 'ChangeMessageVisibility':
        this.changeVisibility(this.queueOf(body), body);
        return {};
      case 'ChangeMessageVisibilityBatch': {
        const queue = this.queueOf(body);
        return eachEntry(body, (entry) => {
          this.changeVisibility(queue, entry);
          return {};
        });
      }
      default:
        throw new AwsServiceError('UnsupportedOperation', `aws-sim SQS does not implement ${operation}`, 400);
    }
  }

  private createQueue(name: string, attributes: Readonly<Record<string, string>>): SqsQueue {
    if (name.endsWith('.fifo') || attributes.FifoQueue !== undefined) {
      throw new AwsServiceError(
        'UnsupportedOperation',
        'aws-sim SQS implements standard queues only, not FIFO queues',
        400,
      );
    }
    if (!QUEUE_NAME.test(name)) {
      throw invalidParameter(
        `Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (QueueName "${name}")`,
      );
    }
    const settings = this.queueSettings(attributes);
    const existing = this.queues.get(name);
    if (existing) {
      // CreateQueue is idempotent only for the same attributes.
      if (JSON.stringify(existing.settings) !== JSON.stringify(settings)) {
        throw new AwsServiceError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute(s) of ${name}`,
          400,
        );
      }
      return existing;
    }
    const queue = new SqsQueue(
      name,
      `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      `${this.baseUrl}/${this.accountId}/${name}`,
      settings,
      (arn) => [...this.queues.values()].find((candidate) => candidate.arn === arn),
    );
    this.queues.set(name, queue);
    return queue;
  }

  private queueSettings(attributes: Readonly<Record<string, string>>): QueueSettings {
    const settings: Record<string, unknown> = {};
    for (const [name, rule] of Object.entries(NUMERIC_ATTRIBUTES)) {
      const raw = attributes[name];
      settings[rule.setting] = raw === undefined ? rule.defaultValue : attributeInteger(name, raw, rule);
    }
    for (const name of Object.keys(attributes)) {
      if (!(name in NUMERIC_ATTRIBUTES) && name !== 'RedrivePolicy') {
        throw new AwsServiceError('InvalidAttributeName', `Unknown Attribute ${name}.`, 400);
      }
    }
    if (attributes.RedrivePolicy !== undefined) {
      settings.redrivePolicy = this.redrivePolicy(attributes.RedrivePolicy);
    }
    return settings as unknown as QueueSettings;
  }

  private redrivePolicy(text: string): RedrivePolicy {
    const invalid = (reason: string) =>
      new AwsServiceError(
        'InvalidAttributeValue',
        `Value ${text} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
        400,
      );
    let policy: Record<string, unknown>;
    try {
      policy = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw invalid('Redrive policy is not a valid JSON map.');
    }
    const { deadLetterTargetArn } = policy;
    const maxReceiveCount = Number(policy.maxReceiveCount);
    if (typeof deadLetterTargetArn !== 'string')
      throw invalid('Redrive policy does not contain deadLetterTargetArn.');
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw invalid('Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
    }
    if (![...this.queues.values()].some((queue) => queue.arn === deadLetterTargetArn)) {
      throw invalid('Dead letter target does not exist.');
    }
    return { deadLetterTargetArn, maxReceiveCount };
  }

  private queue(name: string): SqsQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new AwsServiceError('QueueDoesNotExist', 'The specified queue does not exist.', 400);
    return queue;
  }

  /** The queue a QueueUrl names: `<any host>/<account>/<name>`. */
  private queueOf(body: Record<string, unknown>): SqsQueue {
    const queueUrl = requireParameter(body, 'QueueUrl');
    let segments: string[];
    try {
      segments = new URL(queueUrl).pathname.split('/').filter((segment) => segment !== '');
    } catch {
      throw new AwsServiceError(
        'InvalidAddress',
        `The address ${queueUrl} is not valid for this endpoint.`,
        404,
      );
    }
    const [account, name] = segments;
    if (segments.length !== 2 || account !== this.accountId || name === undefined) {
      throw new AwsServiceError('QueueDoesNotExist', 'The specified queue does not exist.', 400);
    }
    return this.queue(name);
  }

  private getQueueAttributes(body: Record<string, unknown>): unknown {
    const queue = this.queueOf(body);
    const requested = stringList(body.AttributeNames, 'AttributeNames');
    for (const name of requested) {
      if (name !== 'All' && !QUEUE_ATTRIBUTE_NAMES.includes(name)) {
        throw new AwsServiceError('InvalidAttributeName', `Unknown Attribute ${name}.`, 400);
      }
    }
    const names = requested.includes('All') ? QUEUE_ATTRIBUTE_NAMES : requested;
    const counts = queue.counts();
    const created = String(Math.floor(queue.createdAt.getTime() / 1000));
    const { settings } = queue;
    const values: Record<string, string | undefined> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: created,
      LastModifiedTimestamp: created,
      RedrivePolicy: settings.redrivePolicy && JSON.stringify(settings.redrivePolicy),
    };
    for (const [name, rule] of Object.entries(NUMERIC_ATTRIBUTES))
      values[name] = String(settings[rule.setting]);
    const attributes = Object.fromEntries(
      names.flatMap((name) => (values[name] === undefined ? [] : [[name, values[name]]])),
    );
    return names.length === 0 ? {} : { Attributes: attributes };
  }

  private sendMessage(
    queue: SqsQueue,
    entry: Record<string, unknown>,
    senderId: string,
  ): Record<string, string> {
    for (const fifoOnly of ['MessageGroupId', 'MessageDeduplicationId']) {
      if (entry[fifoOnly] !== undefined) {
        throw invalidParameter(
          `The request include parameter ${fifoOnly}, which is not valid for this queue type`,
        );
      }
    }
    const body = entry.MessageBody;
    if (typeof body !== 'string') {
      throw new AwsServiceError(
        'MissingParameter',
        'The request must contain the parameter MessageBody.',
        400,
      );
    }
    if (body === '') throw invalidParameter('The message body must be at least 1 character long.');
    if (!hasOnlyValidCharacters(body)) {
      throw new AwsServiceError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
        400,
      );
    }
    const messageAttributes = parseMessageAttributes(entry.MessageAttributes);
    const size = Buffer.byteLength(body) + attributesByteLength(messageAttributes);
    if (size > queue.settings.maximumMessageSize) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.maximumMessageSize} bytes.`,
      );
    }
    const delaySeconds = integerParameter(entry, 'DelaySeconds', 0, 900) ?? queue.settings.delaySeconds;
    for (const rule of this.sendFailures) {
      const failure = rule({ queueName: queue.name, body });
      if (failure) throw new AwsServiceError(failure.code, failure.message, 500);
    }
    const message = queue.send({ body, messageAttributes, senderId, delaySeconds });
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
    };
  }

  private sendMessageBatch(body: Record<string, unknown>, senderId: string): unknown {
    const queue = this.queueOf(body);
    const entries = batchEntries(body);
    const totalBytes = entries.reduce(
      (sum, entry) =>
        sum +
        (typeof entry.MessageBody === 'string' ? Buffer.byteLength(entry.MessageBody) : 0) +
        safeAttributesLength(entry.MessageAttributes),
      0,
    );
    if (totalBytes > MAX_MESSAGE_BYTES) {
      throw new AwsServiceError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${totalBytes} bytes.`,
        400,
      );
    }
    return eachEntry(body, (entry) => this.sendMessage(queue, entry, senderId));
  }

  private async receiveMessage(body: Record<string, unknown>): Promise<unknown> {
    const queue = this.queueOf(body);
    const max = integerParameter(body, 'MaxNumberOfMessages', 1, MAX_BATCH_ENTRIES) ?? 1;
    const visibility =
      integerParameter(body, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS) ??
      queue.settings.visibilityTimeoutSeconds;
    const wait =
      integerParameter(body, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS) ??
      queue.settings.receiveMessageWaitTimeSeconds;
    const systemNames = [
      ...stringList(body.AttributeNames, 'AttributeNames'),
      ...stringList(body.MessageSystemAttributeNames, 'MessageSystemAttributeNames'),
    ];
    const attributeNames = stringList(body.MessageAttributeNames, 'MessageAttributeNames');
    const deadline = Date.now() + wait * 1000;
    let received = queue.receive(max, visibility);
    while (received.length === 0 && Date.now() < deadline && !queue.isClosed) {
      await queue.waitForMessages(deadline);
      received = queue.receive(max, visibility);
    }
    if (received.length === 0) return {};
    return { Messages: received.map((item) => renderMessage(item, systemNames, attributeNames)) };
  }

  private changeVisibility(queue: SqsQueue, entry: Record<string, unknown>): void {
    const handle = requireParameter(entry, 'ReceiptHandle');
    const seconds = integerParameter(entry, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
    if (seconds === undefined) {
      throw new AwsServiceError(
        'MissingParameter',
        'The request must contain the parameter VisibilityTimeout.',
        400,
      );
    }
    queue.changeVisibility(handle, seconds);
  }
}

function renderMessage(
  { message, receiptHandle }: Received,
  systemNames: readonly string[],
  attributeNames: readonly string[],
): Record<string, unknown> {
  const system: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
  };
  const wantedSystem = SYSTEM_ATTRIBUTES.filter(
    (name) => (systemNames.includes('All') || systemNames.includes(name)) && system[name] !== undefined,
  );
  const attributes = selectMessageAttributes(message.messageAttributes, attributeNames);
  return {
    MessageId: message.messageId,
    ReceiptHandle: receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(wantedSystem.length > 0
      ? { Attributes: Object.fromEntries(wantedSystem.map((name) => [name, system[name]])) }
      : {}),
    ...(Object.keys(attributes).length > 0
      ? { MessageAttributes: attributes, MD5OfMessageAttributes: message.md5OfMessageAttributes }
      : {}),
  };
}

/** A batch call's entries, checked as SQS checks them before looking at any one of them. */
function batchEntries(body: Record<string, unknown>): Record<string, unknown>[] {
  const entries = body.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new AwsServiceError(
      'EmptyBatchRequest',
      'There should be at least one batch entry in the request.',
      400,
    );
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new AwsServiceError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      400,
    );
  }
  const ids = new Set<string>();
  for (const entry of entries as Record<string, unknown>[]) {
    const id = entry?.Id;
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw new AwsServiceError(
        'InvalidBatchEntryId',
        `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long (got ${JSON.stringify(id)}).`,
        400,
      );
    }
    if (ids.has(id)) throw new AwsServiceError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, 400);
    ids.add(id);
  }
  return entries as Record<string, unknown>[];
}

/** Each entry succeeds or fails on its own: a caller fault in one entry does not fail the call. */
function eachEntry(
  body: Record<string, unknown>,
  apply: (entry: Record<string, unknown>) => Record<string, unknown>,
): { Successful: unknown[]; Failed: unknown[] } {
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const entry of batchEntries(body)) {
    try {
      Successful.push({ Id: entry.Id, ...apply(entry) });
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      Failed.push({
        Id: entry.Id,
        SenderFault: error.fault === 'Sender',
        Code: error.code,
        Message: error.message,
      });
    }
  }
  return { Successful, Failed };
}

/** SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF. */
function hasOnlyValidCharacters(body: string): boolean {
  for (const character of body) {
    const code = character.codePointAt(0) ?? 0;
    const valid =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    if (!valid) return false;
  }
  return true;
}

function safeAttributesLength(value: unknown): number {
  try {
    return attributesByteLength(parseMessageAttributes(value));
  } catch {
    return 0; // the entry fails on its own later
  }
}

function requireParameter(body: Record<string, unknown>, field: string): string {
  if (body[field] === undefined) {
    throw new AwsServiceError('MissingParameter', `The request must contain the parameter ${field}.`, 400);
  }
  return requireString(body, field);
}

function integerParameter(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(
      `Value ${JSON.stringify(value)} for parameter ${field} is invalid. Reason: Must be an integer from ${min} to ${max}.`,
    );
  }
  return value;
}

function attributeInteger(name: string, raw: string, rule: AttributeRule): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < rule.min || value > rule.max) {
    throw new AwsServiceError(
      'InvalidAttributeValue',
      `Invalid value for the parameter ${name}: ${JSON.stringify(raw)} (expected an integer from ${rule.min} to ${rule.max}).`,
      400,
    );
  }
  return value;
}

function stringMap(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('Attributes must be a map of attribute name to string value.');
  }
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalidParameter(`Attribute ${name} must be a string.`);
  }
  return value as Record<string, string>;
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter(`${field} must be a list of strings.`);
  }
  return value as string[];
}

function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValue', message, 400);
}

/** The signing access key stands in for the sender's principal id (SenderId). */
function senderIdOf(request: SimRequest): string {
  const match = /Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''));
  return match?.[1] ?? 'ANONYMOUS';
}

/**
 * SQS's JSON errors carry the JSON shape (`__type`) and, for the SDK's query-compatible mode, the
 * query-protocol code and fault in `x-amzn-query-error`, which decides the exception class.
 */
export function renderSqsError(error: AwsServiceError): SimResponse {
  const queryCode = QUERY_ERROR_CODES[error.code] ?? error.code;
  const response = jsonResponse(
    error.status,
    { __type: `com.amazonaws.sqs#${error.code}`, message: error.message },
    CONTENT_TYPE,
  );
  return {
    ...response,
    headers: { ...response.headers, 'x-amzn-query-error': `${queryCode};${error.fault}` },
  };
}
