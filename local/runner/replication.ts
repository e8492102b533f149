import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { FunctionUrlHandler } from '../lakehouse/function-url-server.ts';
import type { ReplicationWebhook } from '../lakehouse/replication-webhook.ts';
import { importHandler, invokeLikeLambda } from './lambda-invoke.ts';
import type { LocalEventSourceMapping } from './lambda-triggers.ts';
import { eventSourceMappingSettings, type SqsEventSource, startSqsEventSource } from './sqs-event-source.ts';
import { localSqsClient } from './stack-queues.ts';
import type { LocalWorkflows } from './workflows.ts';

/**
 * Continuous replication (docs/dr.md) running locally from the synthesized stack: the
 * replication-ingress function served at the lakehouse's webhook URL (its Function URL in the
 * template), and every SQS event-source mapping of the template polling its queue in aws-sim and
 * invoking its function as Lambda does (sqs-event-source.ts). MinIO's notifications reach the URL
 * when the lakehouse runs with `replication: true`. The scheduled functions (reconcile, lag) do
 * not run on a timer: `measureLag` and `reconcile` invoke them.
 */
export const REPLICATION_INGRESS_HANDLER = 'functions/replication-ingress.handler.ts';

export interface ReplicatedObject {
  readonly bucket: string;
  readonly key: string;
  readonly change: 'created' | 'removed';
  /** When the invocation that handled it ended (epoch ms). */
  readonly at: number;
  /** SQS's ApproximateReceiveCount of the message: above 1 once it was redelivered. */
  readonly receiveCount: number;
}

export interface LocalReplicationOptions {
  readonly workflows: LocalWorkflows;
  /** The lakehouse's replication webhook (startLocalLakehouse().replicationWebhook). */
  readonly webhook: ReplicationWebhook;
  /** Batches in flight per mapping; the template's ScalingConfig, else one (sqs-event-source.ts). */
  readonly concurrency?: number;
  /** Each object event a mapping's invocation settled (its message was not reported as failed). */
  readonly onSettled?: (object: ReplicatedObject) => void;
  /** Each object event whose invocation failed or reported it failed: SQS redelivers it. */
  readonly onFailed?: (object: ReplicatedObject) => void;
  /** Failed invocations and polling errors, which Lambda would log. */
  readonly onError?: (error: unknown) => void;
}

export interface LocalReplication {
  /** Invocations of the event-source mappings so far. */
  readonly invocations: number;
  /** Resolves when MinIO's notifications are delivered and every queue of a mapping is empty. */
  idle(options?: { timeoutMs?: number }): Promise<void>;
  /** measure-replication-lag, as its schedule invokes it. */
  measureLag(): Promise<ReplicationLagResult>;
  /** reconcile-replication, as its schedule invokes it. */
  reconcile(input?: unknown): Promise<unknown>;
  /**
   * Holds every batch the event-source mappings receive before its function runs (a consumer that
   * fell behind: the ingress still records and queues events, nothing is replicated) until the
   * returned resume lets them through. Holding rather than stopping the pollers keeps the messages
   * of an interrupted long poll from waiting out their visibility timeout.
   */
  pauseConsumers(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export interface ReplicationLagResult {
  readonly lagSeconds: number;
  readonly oldestPending: { readonly bucket: string; readonly key: string } | null;
}

export class ReplicationNotIdleError extends Error {
  override readonly name = 'ReplicationNotIdleError';
}

const IDLE_POLL_MS = 200;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export async function startLocalReplication(options: LocalReplicationOptions): Promise<LocalReplication> {
  const { workflows, webhook } = options;
  const ingress = workflows.functionUrls.find(
    (url) => url.function.handlerModule === REPLICATION_INGRESS_HANDLER,
  );
  if (!ingress) {
    throw new Error(
      `The stack has no Function URL for ${REPLICATION_INGRESS_HANDLER}: MinIO's replication webhook has nowhere to post`,
    );
  }
  if (workflows.eventSourceMappings.length === 0) {
    throw new Error('The stack has no SQS event-source mapping: nothing would consume the replication queue');
  }
  await workflows.deploy();
  const sqs = localSqsClient(workflows.environment);
  const ingressHandler = await importHandler(ingress.function);
  const sources: SqsEventSource[] = [];
  let stopServing: (() => void) | undefined;
  let consumersPaused: Promise<void> | undefined;
  try {
    for (const mapping of workflows.eventSourceMappings) {
      sources.push(await startMapping(mapping, sqs, options, () => consumersPaused));
    }
    stopServing = webhook.serve(((event) =>
      invokeLikeLambda(ingress.function, ingressHandler, event)) as FunctionUrlHandler);
  } catch (error) {
    await Promise.all(sources.map((source) => source.stop()));
    sqs.destroy();
    throw error;
  }

  const queueUrls = workflows.eventSourceMappings.map((mapping) => mapping.queue.queueUrl);
  const queueDepth = async (): Promise<number> => {
    const depths = await Promise.all(
      queueUrls.map(async (QueueUrl) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return (
          Number(Attributes.ApproximateNumberOfMessages) +
          Number(Attributes.ApproximateNumberOfMessagesNotVisible)
        );
      }),
    );
    return depths.reduce((sum, depth) => sum + depth, 0);
  };

  return {
    get invocations() {
      return sources.reduce((sum, source) => sum + source.invocations, 0);
    },
    async idle({ timeoutMs = DEFAULT_IDLE_TIMEOUT_MS } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await webhook.notifications?.idle();
        const depth = await queueDepth();
        if (depth === 0 && (webhook.notifications?.pending ?? 0) === 0) return;
        if (Date.now() > deadline) {
          throw new ReplicationNotIdleError(
            `Replication is not idle after ${timeoutMs} ms: ${depth} messages in the replication queues, ${webhook.notifications?.pending ?? 0} MinIO notifications undelivered`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
      }
    },
    measureLag: async () =>
      (await workflows.invokeFunction('measure-replication-lag', {})) as ReplicationLagResult,
    reconcile: (input = {}) => workflows.invokeFunction('reconcile-replication', input),
    async pauseConsumers() {
      let resume: () => void = () => undefined;
      const paused = new Promise<void>((resolve) => {
        resume = resolve;
      });
      consumersPaused = paused;
      return async () => {
        if (consumersPaused === paused) consumersPaused = undefined;
        resume();
      };
    },
    async stop() {
      stopServing?.();
      await Promise.all(sources.map((source) => source.stop()));
      sqs.destroy();
    },
  };
}

async function startMapping(
  mapping: LocalEventSourceMapping,
  sqs: ReturnType<typeof localSqsClient>,
  options: LocalReplicationOptions,
  paused: () => Promise<void> | undefined,
): Promise<SqsEventSource> {
  const handler = await importHandler(mapping.function);
  const settings = eventSourceMappingSettings(mapping.properties);
  return startSqsEventSource({
    sqs,
    queueUrl: mapping.queue.queueUrl,
    ...settings,
    concurrency: options.concurrency ?? settings.concurrency,
    ...(options.onError ? { onError: options.onError } : {}),
    invoke: async (event: SQSEvent) => {
      await paused();
      let response: unknown;
      try {
        response = await invokeLikeLambda(mapping.function, handler, event);
      } catch (error) {
        reportOutcomes(event, new Set(event.Records.map((record) => record.messageId)), options);
        throw error;
      }
      reportOutcomes(event, failedMessages(response), options);
      return response;
    },
  });
}

function failedMessages(response: unknown): Set<string | undefined> {
  const failures = (response as { batchItemFailures?: { itemIdentifier?: string }[] } | null)
    ?.batchItemFailures;
  return new Set((Array.isArray(failures) ? failures : []).map((failure) => failure?.itemIdentifier));
}

/** Each message's object event to onSettled or onFailed; messages that name no object are left out. */
function reportOutcomes(
  event: SQSEvent,
  failed: ReadonlySet<string | undefined>,
  hooks: Pick<LocalReplicationOptions, 'onSettled' | 'onFailed'>,
): void {
  const at = Date.now();
  for (const record of event.Records) {
    const report = failed.has(record.messageId) ? hooks.onFailed : hooks.onSettled;
    if (!report) continue;
    let body: Partial<ReplicatedObject>;
    try {
      body = JSON.parse(record.body) as Partial<ReplicatedObject>;
    } catch {
      continue; // not an object event: replicate-objects reports it failed, and it ends in the DLQ
    }
    if (typeof body.bucket !== 'string' || typeof body.key !== 'string') continue;
    report({
      bucket: body.bucket,
      key: body.key,
      change: body.change === 'removed' ? 'removed' : 'created',
      at,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
    });
  }
}
