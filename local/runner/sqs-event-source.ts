import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/**
 * The Lambda service's SQS event-source mapping, run locally: long-poll the queue, gather a batch
 * (BatchSize, MaximumBatchingWindowInSeconds), invoke the function with the SQS event, then delete
 * what succeeded. A thrown error fails the whole batch; with ReportBatchItemFailures the function
 * names the failed messages and only those stay. Whatever is not deleted becomes visible again
 * after the queue's visibility timeout and is redelivered, until the queue's redrive policy moves
 * it to the dead-letter queue: the mapping itself never drops or parks a message.
 */

export interface EventSourceMappingSettings {
  /** 1-10000; Lambda's default for SQS is 10. */
  readonly batchSize: number;
  /** 0-300 seconds; more than 10 messages per batch needs at least 1 second. */
  readonly maximumBatchingWindowSeconds: number;
  readonly functionResponseTypes: readonly 'ReportBatchItemFailures'[];
  /**
   * Batches in flight at once. Lambda scales SQS pollers out (ScalingConfig.MaximumConcurrency,
   * at least 2); locally one keeps redeliveries and logs easy to follow.
   */
  readonly concurrency: number;
}

export interface SqsEventSourceOptions extends Partial<EventSourceMappingSettings> {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Calls the function the way Lambda does (e.g. invokeLikeLambda with the function's settings). */
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  /** Failed invocations and polling errors, which Lambda would log; the mapping carries on. */
  readonly onError?: (error: unknown) => void;
}

export interface SqsEventSource {
  /** Invocations so far, failed ones included. */
  readonly invocations: number;
  /** Stops polling and waits for the batch in progress; messages received but not settled return after their visibility timeout. */
  stop(): Promise<void>;
}

const LONG_POLL_SECONDS = 20;
const MAX_MESSAGES_PER_RECEIVE = 10;
const RETRY_AFTER_ERROR_MS = 1000;

export function eventSourceMappingSettings(
  properties: Readonly<Record<string, unknown>>,
): EventSourceMappingSettings {
  const batchSize = integerProperty(properties, 'BatchSize', 1, 10_000) ?? 10;
  const maximumBatchingWindowSeconds =
    integerProperty(properties, 'MaximumBatchingWindowInSeconds', 0, 300) ?? 0;
  if (batchSize > MAX_MESSAGES_PER_RECEIVE && maximumBatchingWindowSeconds < 1) {
    throw new Error(
      `EventSourceMapping: BatchSize ${batchSize} needs MaximumBatchingWindowInSeconds of at least 1 (Lambda's rule for SQS batches over 10)`,
    );
  }
  const types = properties.FunctionResponseTypes ?? [];
  if (!Array.isArray(types) || types.some((type) => type !== 'ReportBatchItemFailures')) {
    throw new Error(
      `EventSourceMapping: FunctionResponseTypes must be a list of "ReportBatchItemFailures", got ${JSON.stringify(types)}`,
    );
  }
  const scaling = (properties.ScalingConfig ?? {}) as Record<string, unknown>;
  const concurrency = integerProperty(scaling, 'MaximumConcurrency', 2, 1000) ?? 1;
  return { batchSize, maximumBatchingWindowSeconds, functionResponseTypes: types, concurrency };
}

export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSource> {
  const settings = eventSourceMappingSettings({
    BatchSize: options.batchSize,
    MaximumBatchingWindowInSeconds: options.maximumBatchingWindowSeconds,
    FunctionResponseTypes: options.functionResponseTypes,
  });
  const concurrency = options.concurrency ?? settings.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`SQS event source: concurrency must be a positive integer, got ${concurrency}`);
  }
  const { Attributes } = await options.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn;
  if (!queueArn) throw new Error(`SQS event source: ${options.queueUrl} reported no QueueArn`);

  const abort = new AbortController();
  let invocations = 0;
  const report = options.onError ?? (() => undefined);
  const poller = new BatchPoller(options.sqs, options.queueUrl, settings, abort.signal);

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const batch = await poller.nextBatch();
        if (batch.length === 0) continue;
        invocations += 1;
        const failed = await invokeForFailures(options.invoke, sqsEvent(batch, queueArn), settings, report);
        await deleteSucceeded(options.sqs, options.queueUrl, batch, failed, report);
      } catch (error) {
        if (abort.signal.aborted) break;
        report(error);
        await pause(RETRY_AFTER_ERROR_MS, abort.signal);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);

  return {
    get invocations() {
      return invocations;
    },
    async stop() {
      abort.abort();
      await Promise.all(loops);
    },
  };
}

/** Receives until the batch is full or the batching window (from the first message) closes. */
class BatchPoller {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly settings: EventSourceMappingSettings,
    private readonly signal: AbortSignal,
  ) {}

  async nextBatch(): Promise<Message[]> {
    const batch: Message[] = [];
    let windowCloses: number | undefined;
    while (!this.signal.aborted && batch.length < this.settings.batchSize) {
      const remainingMs = windowCloses === undefined ? undefined : windowCloses - Date.now();
      if (remainingMs !== undefined && remainingMs <= 0) break;
      const waitSeconds =
        remainingMs === undefined
          ? LONG_POLL_SECONDS
          : Math.min(LONG_POLL_SECONDS, Math.floor(remainingMs / 1000));
      const received = await this.receive(
        Math.min(MAX_MESSAGES_PER_RECEIVE, this.settings.batchSize - batch.length),
        waitSeconds,
      );
      batch.push(...received);
      if (batch.length === 0) continue;
      if (this.settings.maximumBatchingWindowSeconds === 0) break;
      windowCloses ??= Date.now() + this.settings.maximumBatchingWindowSeconds * 1000;
      // A short poll came back empty with under a second of window left: wait out the rest briefly.
      if (received.length === 0 && waitSeconds === 0)
        await pause(Math.min(100, remainingMs ?? 0), this.signal);
    }
    return batch;
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.signal },
    );
    return Messages ?? [];
  }
}

/**
 * Which messages failed: all of them when the function threw; with ReportBatchItemFailures, the
 * ones it names. A response Lambda cannot read (an identifier that is empty or not in the batch)
 * fails the whole batch, as Lambda does; an empty or absent list means all succeeded.
 */
async function invokeForFailures(
  invoke: (event: SQSEvent) => Promise<unknown>,
  event: SQSEvent,
  settings: EventSourceMappingSettings,
  report: (error: unknown) => void,
): Promise<ReadonlySet<string>> {
  const everything = new Set(event.Records.map((record) => record.messageId));
  let response: unknown;
  try {
    response = await invoke(event);
  } catch (error) {
    report(error);
    return everything;
  }
  if (!settings.functionResponseTypes.includes('ReportBatchItemFailures')) return new Set();
  if (response === null || response === undefined || typeof response !== 'object') return new Set();
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  const identifiers = Array.isArray(failures)
    ? failures.map((failure) => (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier)
    : [undefined];
  if (identifiers.some((id) => typeof id !== 'string' || !everything.has(id))) {
    report(
      new Error(
        `batchItemFailures ${JSON.stringify(failures)} is not a list of { itemIdentifier } naming messages of the batch: the whole batch fails`,
      ),
    );
    return everything;
  }
  return new Set(identifiers as string[]);
}

async function deleteSucceeded(
  sqs: SQSClient,
  queueUrl: string,
  batch: readonly Message[],
  failed: ReadonlySet<string>,
  report: (error: unknown) => void,
): Promise<void> {
  const succeeded = batch.filter((message) => !failed.has(message.MessageId ?? ''));
  for (let start = 0; start < succeeded.length; start += MAX_MESSAGES_PER_RECEIVE) {
    const chunk = succeeded.slice(start, start + MAX_MESSAGES_PER_RECEIVE);
    const { Failed } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    // A message whose delete failed is redelivered: the function must be idempotent anyway.
    for (const failure of Failed ?? []) {
      report(
        new Error(
          `SQS event source could not delete a processed message: ${failure.Code} ${failure.Message}`,
        ),
      );
    }
  }
}

export function sqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  const awsRegion = queueArn.split(':')[3] ?? '';
  return { Records: messages.map((message) => sqsRecord(message, queueArn, awsRegion)) };
}

function sqsRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
      ...(attributes.DeadLetterQueueSourceArn
        ? { DeadLetterQueueSourceArn: attributes.DeadLetterQueueSourceArn }
        : {}),
    },
    messageAttributes: lambdaMessageAttributes(message),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}

/** Lambda's spelling of message attributes: camelCase, binary values in base64, empty list fields. */
function lambdaMessageAttributes(message: Message): SQSMessageAttributes {
  const attributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return attributes;
}

function integerProperty(
  properties: Readonly<Record<string, unknown>>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = properties[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `EventSourceMapping: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}
