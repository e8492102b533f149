import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../local/aws-sim/events.ts';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

describe('aws-sim EventBridge', () => {
  let sim: AwsSim;
  let client: EventBridgeClient;
  beforeAll(async () => {
    sim = await startAwsSim({ region: 'eu-west-1', accountId: '123456789012', eventBuses: ['alerts'] });
    client = new EventBridgeClient({ region: 'eu-west-1', credentials, endpoint: sim.url, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await sim.stop();
  });

  const entry = (detail: Record<string, unknown>, bus = 'alerts') => ({
    EventBusName: bus,
    Source: 'lakehouse-ops.alerts',
    DetailType: 'Prometheus Alert',
    Detail: JSON.stringify(detail),
  });

  it('records put events as targets receive them and hands them to subscribers', async () => {
    const seen: RecordedEvent[] = [];
    const unsubscribe = sim.events.subscribe((event) => seen.push(event));
    const response = await client.send(
      new PutEventsCommand({
        Entries: [entry({ n: 1 }), entry({ n: 2 }, 'arn:aws:events:eu-west-1:123456789012:event-bus/alerts')],
      }),
    );
    unsubscribe();
    await client.send(new PutEventsCommand({ Entries: [entry({ n: 3 })] }));

    expect(response.FailedEntryCount).toBe(0);
    expect(response.Entries?.map((result) => result.EventId)).toEqual(seen.map((event) => event.id));
    expect(seen.map((event) => event.detail)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(seen[0]).toMatchObject({
      version: '0',
      source: 'lakehouse-ops.alerts',
      'detail-type': 'Prometheus Alert',
      account: '123456789012',
      region: 'eu-west-1',
      eventBusName: 'alerts',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    });
    expect(sim.events.recorded.map((event) => event.detail)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('fails entries one by one: malformed detail, unknown bus, injected failures', async () => {
    const before = sim.events.recorded.length;
    const restore = sim.events.failEntries((candidate) =>
      String(candidate.Detail).includes('"throttle"')
        ? { errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }
        : undefined,
    );
    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ n: 4 }),
          { ...entry({}), Detail: '[1, 2]' },
          entry({ n: 5 }, 'no-such-bus'),
          entry({ throttle: true }),
        ],
      }),
    );
    restore();

    expect(response.FailedEntryCount).toBe(3);
    expect(response.Entries?.map((result) => result.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'MalformedDetail',
      'ResourceNotFoundException',
      'ThrottlingException',
    ]);
    expect(sim.events.recorded.length).toBe(before + 1);
  });

  it('refuses more than 10 entries in one request', async () => {
    const entries = Array.from({ length: 11 }, (_, n) => entry({ n }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
