import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type PseudoParameters, type ResourceResolver, resolveIntrinsics } from './intrinsics.ts';
import { localClientConfig } from './local-client-config.ts';
import { type CfnTemplate, resourcesOfType } from './template.ts';

/**
 * The stack's SQS queues (the replication queue and the dead-letter queues) as the local runner
 * deploys them: in aws-sim's SQS simulator (AWS_ENDPOINT_URL_SQS), under the template's QueueName,
 * with its VisibilityTimeout, retention, delay and RedrivePolicy. A `Ref` to a queue resolves to its
 * URL on the simulator (`<endpoint>/<account>/<name>`, the simulator's URL scheme, checked when the
 * queue is created) and `Fn::GetAtt [.., Arn]` to its ARN, so a handler's REPLICATION_QUEUE_URL
 * points where the local event-source mapping polls.
 */
export interface LocalQueue {
  readonly logicalId: string;
  readonly queueName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** CreateQueue's Attributes, the redrive target resolved to its local ARN. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The dead-letter queue's logical id, which must exist first. */
  readonly deadLetterQueue?: string;
}

/** Template properties that are queue attributes of the same name. */
const NUMERIC_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
] as const;

export class LocalQueueError extends Error {
  override readonly name = 'LocalQueueError';
}

export function describeLocalQueues(
  template: CfnTemplate,
  pseudo: PseudoParameters,
  sqsEndpoint: string | undefined,
): Map<string, LocalQueue> {
  const declared = resourcesOfType(template, 'AWS::SQS::Queue');
  if (declared.length > 0 && !sqsEndpoint) {
    throw new LocalQueueError(
      `The stack declares SQS queues (${declared.map(([id]) => id).join(', ')}), and the local environment has no AWS_ENDPOINT_URL_SQS (aws-sim's URL, which startLocalLakehouse().environment provides)`,
    );
  }
  const names = new Map(
    declared.map(([logicalId, resource]) => {
      const name = resource.Properties?.QueueName;
      if (typeof name !== 'string') {
        throw new LocalQueueError(
          `Queue ${logicalId} has no literal QueueName (${JSON.stringify(name)}): the local runner names queues as the template does`,
        );
      }
      return [logicalId, name] as const;
    }),
  );
  const arnOf = (logicalId: string) =>
    `arn:${pseudo.partition}:sqs:${pseudo.region}:${pseudo.accountId}:${names.get(logicalId)}`;
  const queueArns: ResourceResolver = {
    ref: (id) => {
      throw new LocalQueueError(`A queue's RedrivePolicy refers to ${id} by Ref; expected Fn::GetAtt Arn`);
    },
    getAtt: (id, attribute) => {
      if (!names.has(id) || attribute !== 'Arn') {
        throw new LocalQueueError(`A queue's RedrivePolicy refers to ${id}.${attribute}, not a queue's Arn`);
      }
      return arnOf(id);
    },
  };
  const queues = new Map<string, LocalQueue>();
  for (const [logicalId, resource] of declared) {
    const properties = resource.Properties ?? {};
    const attributes: Record<string, string> = {};
    for (const name of NUMERIC_ATTRIBUTES) {
      if (properties[name] !== undefined) attributes[name] = String(properties[name]);
    }
    let deadLetterQueue: string | undefined;
    if (properties.RedrivePolicy !== undefined) {
      const target = (properties.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt'?: unknown[] } })
        .deadLetterTargetArn?.['Fn::GetAtt']?.[0];
      deadLetterQueue = typeof target === 'string' ? target : undefined;
      attributes.RedrivePolicy = JSON.stringify(
        resolveIntrinsics(properties.RedrivePolicy, queueArns, pseudo),
      );
    }
    const queueName = names.get(logicalId) as string;
    queues.set(logicalId, {
      logicalId,
      queueName,
      queueUrl: `${sqsEndpoint?.replace(/\/+$/, '')}/${pseudo.accountId}/${queueName}`,
      queueArn: arnOf(logicalId),
      attributes,
      ...(deadLetterQueue ? { deadLetterQueue } : {}),
    });
  }
  return queues;
}

/**
 * Creates each queue, dead-letter queues before the queues that redrive to them (SQS refuses a
 * RedrivePolicy naming a queue that does not exist). `visibilityTimeoutOverrides` (seconds, by
 * QueueName) shortens a queue's visibility timeout, so a test sees a failed message redelivered
 * in seconds rather than after the deployed half hour.
 */
export async function createLocalQueues(
  queues: ReadonlyMap<string, LocalQueue>,
  environment: Readonly<Record<string, string>>,
  visibilityTimeoutOverrides: Readonly<Record<string, number>> = {},
): Promise<void> {
  if (queues.size === 0) return;
  for (const name of Object.keys(visibilityTimeoutOverrides)) {
    if (![...queues.values()].some((queue) => queue.queueName === name)) {
      throw new LocalQueueError(
        `visibilityTimeoutOverrides names ${name}, which is none of the stack's queues (${[...queues.values()].map((queue) => queue.queueName).join(', ')})`,
      );
    }
  }
  const sqs = localSqsClient(environment);
  const created = new Set<string>();
  const create = async (queue: LocalQueue): Promise<void> => {
    if (created.has(queue.logicalId)) return;
    const deadLetter = queue.deadLetterQueue && queues.get(queue.deadLetterQueue);
    if (deadLetter) await create(deadLetter);
    const override = visibilityTimeoutOverrides[queue.queueName];
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: queue.queueName,
        Attributes: {
          ...queue.attributes,
          ...(override === undefined ? {} : { VisibilityTimeout: String(override) }),
        },
      }),
    );
    if (QueueUrl !== queue.queueUrl) {
      throw new LocalQueueError(
        `Queue ${queue.queueName} was created at ${QueueUrl}, but the handlers were given ${queue.queueUrl}`,
      );
    }
    created.add(queue.logicalId);
  };
  try {
    for (const queue of queues.values()) await create(queue);
  } finally {
    sqs.destroy();
  }
}

/** An SQS client for aws-sim (AWS_ENDPOINT_URL_SQS) with the handlers' credentials. */
export function localSqsClient(environment: Readonly<Record<string, string>>): SQSClient {
  return new SQSClient(localClientConfig(environment, 'AWS_ENDPOINT_URL_SQS', 'SQS'));
}
