import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/alert-ingress-sns.handler.ts';
import { fingerprint, useAlertIngressBackends } from './support/alert-ingress.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { expectFailure } from './support/rejection.ts';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:lakehouse-ops-amp-alerts';

/**
 * A message as AMP's documented JSON template renders it: Go's time format, no version, group key
 * or truncatedAlerts, and no "annotations" key for an alert without annotations.
 */
function ampMessage(fp: string, status: 'firing' | 'resolved' = 'firing'): string {
  return (
    `{"receiver": "lakehouse-ops","status": "${status}","alerts": [{"status": "${status}",` +
    `"labels": {"alertname": "NodeNotReady", "node": "ip-10-0-1-7", "severity": "critical"},` +
    `"startsAt": "2026-11-26 01:00:00.5 +0000 UTC","endsAt": "0001-01-01 00:00:00 +0000 UTC",` +
    `"generatorURL": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/graph","fingerprint": "${fp}"}],` +
    `"groupLabels": {"alertname": "NodeNotReady"},"commonLabels": {"alertname": "NodeNotReady"}}`
  );
}

function snsEvent(message: string, attributes: Record<string, string> = {}) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${TOPIC_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: TOPIC_ARN,
          Subject: null,
          Message: message,
          Timestamp: '2026-11-26T01:00:03.120Z',
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [name, { Type: 'String', Value: value }]),
          ),
        },
      },
    ],
  };
}

describe('alert-ingress-sns handler', () => {
  const backends = useAlertIngressBackends();
  useHandlerEnvironment(() => backends.environment());
  const eventsOf = (fp: string) => backends.events().filter((event) => event.detail.fingerprint === fp);

  it("publishes AMP's JSON alerts once, with RFC 3339 times and source amp-sns", async () => {
    const fp = fingerprint(0xb001);
    const invoke = () => handler(snsEvent(ampMessage(fp)), lambdaContext('alert-ingress-sns'));

    expect(await invoke()).toEqual({ alerts: 1, published: 1, duplicates: 0 });
    // SNS delivers at least once; Lambda retries failed invocations.
    expect(await invoke()).toEqual({ alerts: 1, published: 0, duplicates: 1 });
    expect(eventsOf(fp)).toHaveLength(1);
    expect(eventsOf(fp)[0]?.detail).toMatchObject({
      alertname: 'NodeNotReady',
      severity: 'critical',
      startsAt: '2026-11-26T01:00:00.5Z',
      endsAt: '0001-01-01T00:00:00Z',
      annotations: {},
      source: 'amp-sns',
    });
    expect(eventsOf(fp)[0]?.detail).not.toHaveProperty('groupKey');
  });

  it("fails naming the problem, and changes nothing, for AMP's default plain-text message", async () => {
    const itemsBefore = (await backends.alertItems()).length;
    const eventsBefore = backends.events().length;
    const failure = await expectFailure(
      handler(snsEvent('[FIRING:1] NodeNotReady (critical)\nAlerts Firing:\n...'), lambdaContext()),
      'InvalidAlertPayloadError',
      'not JSON',
    );
    expect(failure.details).toMatchObject({ messageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e' });
    expect((await backends.alertItems()).length).toBe(itemsBefore);
    expect(backends.events().length).toBe(eventsBefore);
  });

  it('refuses a message AMP truncated, without publishing the part that is left', async () => {
    const fp = fingerprint(0xb002);
    await expectFailure(
      handler(
        snsEvent(ampMessage(fp), {
          truncated: 'true',
          modified: 'Message: Error - Message has been truncated',
        }),
        lambdaContext(),
      ),
      'InvalidAlertPayloadError',
      'truncated',
    );
    expect(eventsOf(fp)).toHaveLength(0);
    expect((await backends.alertItems()).map((item) => item.pk)).not.toContain(`ALERT#${fp}`);
  });

  it('fails the invocation when EventBridge refuses the event, so the retry publishes it', async () => {
    const fp = fingerprint(0xb003);
    const restore = backends.awsSim().events.failEntries(() => ({
      errorCode: 'InternalFailure',
      errorMessage: 'try again',
    }));
    await expectFailure(
      handler(snsEvent(ampMessage(fp, 'resolved')), lambdaContext()),
      'AlertIngestUnavailableError',
      'InternalFailure',
    );
    restore();
    expect((await backends.alertItems()).map((item) => item.pk)).not.toContain(`ALERT#${fp}`);

    expect(await handler(snsEvent(ampMessage(fp, 'resolved')), lambdaContext())).toMatchObject({
      published: 1,
    });
    expect(eventsOf(fp).map((event) => event.detail.status)).toEqual(['resolved']);
  });
});
