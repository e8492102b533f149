import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';

const credentials = { accessKeyId: 'AKIDLOCALSQS', secretAccessKey: 'local-secret' };

async function failureOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('aws-sim SQS', () => {
  let sim: AwsSim;
  let sqs: SQSClient;
  let counter = 0;
  beforeAll(async () => {
    sim = await startAwsSim({
      region: 'eu-west-1',
      queues: [{ name: 'seeded-dlq' }, { name: 'seeded', attributes: { VisibilityTimeout: '5' } }],
    });
    sqs = new SQSClient({ region: 'eu-west-1', credentials, endpoint: sim.url, maxAttempts: 1 });
  });
  afterAll(async () => {
    sqs.destroy();
    await sim.stop();
  });

  async function newQueue(attributes: Record<string, string> = {}): Promise<string> {
    counter += 1;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `queue-${counter}`, Attributes: attributes }),
    );
    return QueueUrl as string;
  }
  const attributesOf = async (QueueUrl: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
  const receive = (
    QueueUrl: string,
    more: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {},
  ) =>
    sqs
      .send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], ...more }))
      .then((output) => output.Messages ?? []);

  describe('queues', () => {
    it('creates a queue whose URL points back at the simulator, and finds it by name', async () => {
      const url = await newQueue();
      expect(url).toBe(`${sim.url}/000000000000/queue-${counter}`);
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `queue-${counter}` }));
      expect(QueueUrl).toBe(url);
      expect((await attributesOf(url)).QueueArn).toBe(`arn:aws:sqs:eu-west-1:000000000000:queue-${counter}`);
    });

    it('creates the queues given in the options, with their attributes', async () => {
      const url = sim.sqs.queueUrl('seeded');
      expect((await attributesOf(url)).VisibilityTimeout).toBe('5');
      expect(sim.sqs.queueArn('seeded-dlq')).toBe('arn:aws:sqs:eu-west-1:000000000000:seeded-dlq');
    });

    it('returns the same queue for the same attributes and refuses different ones', async () => {
      const url = await newQueue({ VisibilityTimeout: '10' });
      const again = await sqs.send(
        new CreateQueueCommand({ QueueName: `queue-${counter}`, Attributes: { VisibilityTimeout: '10' } }),
      );
      expect(again.QueueUrl).toBe(url);
      const refusal = await failureOf(
        sqs.send(
          new CreateQueueCommand({ QueueName: `queue-${counter}`, Attributes: { VisibilityTimeout: '11' } }),
        ),
      );
      expect(refusal.name).toBe('QueueNameExists');
    });

    it('answers QueueDoesNotExist (the modelled exception) for an unknown queue', async () => {
      const byName = await failureOf(sqs.send(new GetQueueUrlCommand({ QueueName: 'nowhere' })));
      expect(byName).toBeInstanceOf(QueueDoesNotExist);
      expect(byName.$metadata?.httpStatusCode).toBe(400);
      const byUrl = await failureOf(
        sqs.send(new SendMessageCommand({ QueueUrl: `${sim.url}/000000000000/nowhere`, MessageBody: 'x' })),
      );
      expect(byUrl.name).toBe('QueueDoesNotExist');
    });

    it('refuses unknown attributes, values out of range, FIFO queues and bad names, naming what is wrong', async () => {
      const unknown = await failureOf(
        sqs.send(new CreateQueueCommand({ QueueName: 'bad-1', Attributes: { Colour: 'blue' } as never })),
      );
      expect([unknown.name, unknown.message]).toEqual(['InvalidAttributeName', 'Unknown Attribute Colour.']);
      const range = await failureOf(
        sqs.send(new CreateQueueCommand({ QueueName: 'bad-2', Attributes: { VisibilityTimeout: '50000' } })),
      );
      expect(range.name).toBe('InvalidAttributeValue');
      expect(range.message).toContain('VisibilityTimeout');
      const fifo = await failureOf(sqs.send(new CreateQueueCommand({ QueueName: 'orders.fifo' })));
      expect(fifo.name).toBe('UnsupportedOperation');
      const name = await failureOf(sqs.send(new CreateQueueCommand({ QueueName: 'has space' })));
      expect(name.name).toBe('InvalidParameterValue');
    });

    it('refuses a redrive policy whose dead-letter queue does not exist', async () => {
      const refusal = await failureOf(
        sqs.send(
          new CreateQueueCommand({
            QueueName: 'orphan',
            Attributes: {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:000000000000:missing',
                maxReceiveCount: 3,
              }),
            },
          }),
        ),
      );
      expect(refusal.name).toBe('InvalidAttributeValue');
      expect(refusal.message).toContain('Dead letter target does not exist');
    });
  });

  describe('messages', () => {
    it('delivers a message with its MD5, system attributes and message attributes', async () => {
      const QueueUrl = await newQueue();
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: '{"key":"raw/2026/ä.parquet"}',
          MessageAttributes: {
            bucket: { DataType: 'String', StringValue: 'lakehouse-raw' },
            size: { DataType: 'Number', StringValue: '42' },
            blob: { DataType: 'Binary', BinaryValue: Uint8Array.of(1, 2, 3) },
          },
        }),
      );
      expect(sent.MD5OfMessageBody).toBe(
        createHash('md5').update('{"key":"raw/2026/ä.parquet"}').digest('hex'),
      );

      const [message] = await receive(QueueUrl, { MessageAttributeNames: ['All'] });

      expect(message?.MessageId).toBe(sent.MessageId);
      expect(message?.Body).toBe('{"key":"raw/2026/ä.parquet"}');
      expect(message?.Attributes).toMatchObject({
        ApproximateReceiveCount: '1',
        SenderId: credentials.accessKeyId,
      });
      expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(Date.now() - 5000);
      expect(message?.MessageAttributes?.size).toEqual({ DataType: 'Number', StringValue: '42' });
      expect(message?.MessageAttributes?.blob?.BinaryValue).toEqual(Uint8Array.of(1, 2, 3));
      expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
      expect(sent.MD5OfMessageAttributes).toBe(expectedAttributesMd5());
    });

    it('hides a received message for its visibility timeout, then delivers it again with a higher receive count', async () => {
      const QueueUrl = await newQueue({ VisibilityTimeout: '1' });
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'again' }));

      const [first] = await receive(QueueUrl);
      expect(await receive(QueueUrl)).toEqual([]);
      expect(await attributesOf(QueueUrl)).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '1',
      });
      await sleep(1100);
      const [second] = await receive(QueueUrl);

      expect(second?.MessageId).toBe(first?.MessageId);
      expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
      expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
      expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
        first?.Attributes?.ApproximateFirstReceiveTimestamp,
      );
    });

    it('deletes with the latest receipt handle only, and refuses a handle it did not issue', async () => {
      const QueueUrl = await newQueue();
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'delete me' }));
      const [first] = await receive(QueueUrl, { VisibilityTimeout: 0 });
      const [latest] = await receive(QueueUrl, { VisibilityTimeout: 0 });

      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle }));
      expect((await attributesOf(QueueUrl)).ApproximateNumberOfMessages).toBe('1');
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: latest?.ReceiptHandle }));
      expect((await attributesOf(QueueUrl)).ApproximateNumberOfMessages).toBe('0');

      const invalid = await failureOf(
        sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'forged' })),
      );
      expect(invalid.name).toBe('ReceiptHandleIsInvalid');
    });

    it('changes the visibility of an in-flight message and refuses one that is not in flight', async () => {
      const QueueUrl = await newQueue({ VisibilityTimeout: '60' });
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'back soon' }));
      const [message] = await receive(QueueUrl);

      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      const [again] = await receive(QueueUrl, { VisibilityTimeout: 0 });
      expect(again?.MessageId).toBe(message?.MessageId);

      const refusal = await failureOf(
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl,
            ReceiptHandle: again?.ReceiptHandle,
            VisibilityTimeout: 5,
          }),
        ),
      );
      expect(refusal.name).toBe('MessageNotInflight');
    });

    it('returns at most MaxNumberOfMessages and refuses more than 10', async () => {
      const QueueUrl = await newQueue();
      for (let index = 0; index < 12; index += 1) {
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${index}` }));
      }
      expect(await receive(QueueUrl, { MaxNumberOfMessages: 10 })).toHaveLength(10);
      expect(await receive(QueueUrl, { MaxNumberOfMessages: 10 })).toHaveLength(2);
      const refusal = await failureOf(receive(QueueUrl, { MaxNumberOfMessages: 11 }));
      expect(refusal.name).toBe('InvalidParameterValue');
      expect(refusal.message).toContain('MaxNumberOfMessages');
    });

    it('counts a delayed message as delayed until its delay passes', async () => {
      const QueueUrl = await newQueue();
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 1 }));
      expect(await attributesOf(QueueUrl)).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesDelayed: '1',
      });
      expect(await receive(QueueUrl)).toEqual([]);
      const [message] = await receive(QueueUrl, { WaitTimeSeconds: 3 });
      expect(message?.Body).toBe('later');
    });

    it('refuses a message over the queue maximum size and one with characters SQS does not accept', async () => {
      const QueueUrl = await newQueue({ MaximumMessageSize: '1024' });
      const tooLong = await failureOf(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1025) })),
      );
      expect(tooLong.name).toBe('InvalidParameterValue');
      expect(tooLong.message).toContain('shorter than 1024 bytes');
      const control = await failureOf(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'bell \u0007' })),
      );
      expect(control.name).toBe('InvalidMessageContents');
    });
  });

  describe('long polling', () => {
    it('waits for a message sent while the receive is waiting, and returns it at once', async () => {
      const QueueUrl = await newQueue();
      const started = Date.now();
      const pending = receive(QueueUrl, { WaitTimeSeconds: 10 });
      await sleep(300);
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'worth the wait' }));

      const [message] = await pending;

      expect(message?.Body).toBe('worth the wait');
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('returns no messages once WaitTimeSeconds passes, and not before', async () => {
      const QueueUrl = await newQueue();
      const started = Date.now();
      expect(await receive(QueueUrl, { WaitTimeSeconds: 1 })).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('wakes when an in-flight message becomes visible again', async () => {
      const QueueUrl = await newQueue();
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'retry' }));
      await receive(QueueUrl, { VisibilityTimeout: 1 });
      const [message] = await receive(QueueUrl, { WaitTimeSeconds: 5 });
      expect(message?.Attributes?.ApproximateReceiveCount).toBe('2');
    });

    it('uses the queue ReceiveMessageWaitTimeSeconds when the call does not say', async () => {
      const QueueUrl = await newQueue({ ReceiveMessageWaitTimeSeconds: '5' });
      const pending = receive(QueueUrl);
      await sleep(300);
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'queue default' }));
      expect((await pending).map((message) => message.Body)).toEqual(['queue default']);
    });
  });

  describe('batches', () => {
    it('sends each entry on its own: a bad entry fails alone', async () => {
      const QueueUrl = await newQueue({ MaximumMessageSize: '1024' });
      const output = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'ok-1', MessageBody: 'first' },
            { Id: 'bad-chars', MessageBody: 'nul \u0000' },
            { Id: 'too-big', MessageBody: 'y'.repeat(2000) },
            { Id: 'ok-2', MessageBody: 'second' },
          ],
        }),
      );
      expect(output.Successful?.map((entry) => entry.Id)).toEqual(['ok-1', 'ok-2']);
      expect(output.Successful?.[0]?.MD5OfMessageBody).toBe(createHash('md5').update('first').digest('hex'));
      expect(output.Failed).toEqual([
        expect.objectContaining({ Id: 'bad-chars', Code: 'InvalidMessageContents', SenderFault: true }),
        expect.objectContaining({ Id: 'too-big', Code: 'InvalidParameterValue', SenderFault: true }),
      ]);
      const bodies = (await receive(QueueUrl, { MaxNumberOfMessages: 10 })).map((message) => message.Body);
      expect(bodies.sort()).toEqual(['first', 'second']);
    });

    it('refuses a whole batch that is empty, too long, has repeated or malformed ids, or passes 256 KiB', async () => {
      const QueueUrl = await newQueue();
      const send = (Entries: { Id: string; MessageBody: string }[]) =>
        failureOf(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries })));
      const entries = (count: number, body = 'x') =>
        Array.from({ length: count }, (_, index) => ({ Id: `e${index}`, MessageBody: body }));

      expect((await send([])).name).toBe('EmptyBatchRequest');
      expect((await send(entries(11))).name).toBe('TooManyEntriesInBatchRequest');
      expect((await send([...entries(1), ...entries(1)])).name).toBe('BatchEntryIdsNotDistinct');
      expect((await send([{ Id: 'has space', MessageBody: 'x' }])).name).toBe('InvalidBatchEntryId');
      const tooLong = await send(entries(2, 'z'.repeat(140 * 1024)));
      expect(tooLong.name).toBe('BatchRequestTooLong');
      expect((await attributesOf(QueueUrl)).ApproximateNumberOfMessages).toBe('0');
    });

    it('reports an injected service fault per entry, with SenderFault false, and as an error for SendMessage', async () => {
      const QueueUrl = await newQueue();
      const heal = sim.sqs.failSends(({ body }) =>
        body.startsWith('unlucky') ? { code: 'InternalError', message: 'queue unavailable' } : undefined,
      );
      try {
        const output = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl,
            Entries: [
              { Id: 'lucky', MessageBody: 'lucky' },
              { Id: 'unlucky', MessageBody: 'unlucky' },
            ],
          }),
        );
        expect(output.Successful?.map((entry) => entry.Id)).toEqual(['lucky']);
        expect(output.Failed).toEqual([
          expect.objectContaining({ Id: 'unlucky', Code: 'InternalError', SenderFault: false }),
        ]);
        const single = await failureOf(
          sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'unlucky too' })),
        );
        expect([single.name, single.$metadata?.httpStatusCode]).toEqual(['InternalError', 500]);
      } finally {
        heal();
      }
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'unlucky no more' }));
      expect((await attributesOf(QueueUrl)).ApproximateNumberOfMessages).toBe('2');
    });

    it('deletes each entry on its own: an invalid receipt handle fails alone', async () => {
      const QueueUrl = await newQueue();
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'done' }));
      const [message] = await receive(QueueUrl);
      const output = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'real', ReceiptHandle: message?.ReceiptHandle },
            { Id: 'forged', ReceiptHandle: 'not-a-handle' },
          ],
        }),
      );
      expect(output.Successful).toEqual([{ Id: 'real' }]);
      expect(output.Failed).toEqual([
        expect.objectContaining({ Id: 'forged', Code: 'ReceiptHandleIsInvalid' }),
      ]);
      expect(await attributesOf(QueueUrl)).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    });
  });

  describe('redrive', () => {
    it('moves a message to the dead-letter queue once it was received maxReceiveCount times', async () => {
      const dlqUrl = await newQueue();
      const dlqArn = (await attributesOf(dlqUrl)).QueueArn;
      const QueueUrl = await newQueue({
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
      });
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));

      expect(await receive(QueueUrl, { VisibilityTimeout: 0 })).toHaveLength(1);
      expect(await receive(QueueUrl, { VisibilityTimeout: 0 })).toHaveLength(1);
      expect(await receive(QueueUrl, { VisibilityTimeout: 0 })).toEqual([]);

      expect((await attributesOf(QueueUrl)).ApproximateNumberOfMessages).toBe('0');
      const [dead] = await receive(dlqUrl);
      expect(dead?.MessageId).toBe(sent.MessageId);
      expect(dead?.Body).toBe('poison');
      expect(JSON.parse((await attributesOf(QueueUrl)).RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: 2,
      });
    });
  });
});

/** SQS's documented MD5OfMessageAttributes, written out independently of the simulator. */
function expectedAttributesMd5(): string {
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  };
  const parts = [
    ...field(Buffer.from('blob')),
    ...field(Buffer.from('Binary')),
    Buffer.of(2),
    ...field(Buffer.of(1, 2, 3)),
    ...field(Buffer.from('bucket')),
    ...field(Buffer.from('String')),
    Buffer.of(1),
    ...field(Buffer.from('lakehouse-raw')),
    ...field(Buffer.from('size')),
    ...field(Buffer.from('Number')),
    Buffer.of(1),
    ...field(Buffer.from('42')),
  ];
  return createHash('md5').update(Buffer.concat(parts)).digest('hex');
}
