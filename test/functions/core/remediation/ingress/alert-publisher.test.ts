import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../../../functions/core/remediation/alert-event.ts';
import {
  MAX_REQUEST_BYTES,
  oversizedEvents,
  publishAlertEvents,
} from '../../../../../functions/core/remediation/ingress/alert-publisher.ts';

function alertEvent(n: number, summary = 'restarting'): AlertEvent {
  return {
    alertname: 'PodCrashLooping',
    severity: 'warning',
    status: 'firing',
    fingerprint: n.toString(16).padStart(16, '0'),
    startsAt: '2026-11-26T01:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    labels: { alertname: 'PodCrashLooping' },
    annotations: { summary },
    generatorURL: '',
    receiver: 'lakehouse-ops',
    source: 'alertmanager',
    receivedAt: '2026-11-26T01:00:03.120Z',
  };
}

/** Answers every entry with an EventId except those whose alert number is in `refused`. */
function answerEntries(refused: Set<number> = new Set()) {
  return (input: { Entries?: PutEventsRequestEntry[] }) => {
    const Entries = (input.Entries ?? []).map((entry) => {
      const n = Number.parseInt(JSON.parse(entry.Detail ?? '{}').fingerprint, 16);
      return refused.has(n)
        ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }
        : { EventId: `id-${n}` };
    });
    return { FailedEntryCount: Entries.filter((entry) => 'ErrorCode' in entry).length, Entries };
  };
}

describe('publishAlertEvents', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => eventBridge.reset());
  const bus = () => ({ eventBridge: new EventBridgeClient({ region: 'eu-west-1' }), eventBusName: 'alerts' });

  it('sends at most 10 entries per PutEvents request', async () => {
    eventBridge.on(PutEventsCommand).callsFake(answerEntries());
    const events = Array.from({ length: 23 }, (_, n) => alertEvent(n));

    const outcome = await publishAlertEvents(bus(), events);

    expect(outcome.published).toHaveLength(23);
    expect(
      eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length),
    ).toEqual([10, 10, 3]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]).toMatchObject({
      EventBusName: 'alerts',
      Source: 'lakehouse-ops.alerts',
      DetailType: 'Prometheus Alert',
    });
  });

  it('keeps each request under 256 KiB', async () => {
    eventBridge.on(PutEventsCommand).callsFake(answerEntries());
    const events = Array.from({ length: 5 }, (_, n) => alertEvent(n, 'x'.repeat(100 * 1024)));

    await publishAlertEvents(bus(), events);

    expect(
      eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length),
    ).toEqual([2, 2, 1]);
  });

  it('reports the entries EventBridge refused, and a failed call as all of its entries', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(answerEntries(new Set([3])))
      .rejectsOnce(Object.assign(new Error('bus unavailable'), { name: 'InternalFailure' }));
    const events = Array.from({ length: 12 }, (_, n) => alertEvent(n));

    const outcome = await publishAlertEvents(bus(), events);

    expect(outcome.published).toHaveLength(9);
    expect(outcome.failed.map(({ event }) => event.fingerprint)).toEqual(
      [3, 10, 11].map((n) => n.toString(16).padStart(16, '0')),
    );
    expect(outcome.failed[0]?.reason).toBe('ThrottlingException: Rate exceeded');
    expect(outcome.failed[1]?.reason).toContain('InternalFailure: bus unavailable');
  });
});

describe('oversizedEvents', () => {
  it('names the alerts whose event alone is above the request limit', () => {
    const events = [alertEvent(0), alertEvent(1, 'x'.repeat(MAX_REQUEST_BYTES))];
    expect(oversizedEvents(events)).toEqual([{ index: 1, bytes: expect.any(Number) }]);
  });
});
