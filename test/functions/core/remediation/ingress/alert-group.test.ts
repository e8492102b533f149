import { describe, expect, it } from 'vitest';
import {
  goTimeToRfc3339,
  InvalidAlertPayloadError,
  parseAlertGroup,
} from '../../../../../functions/core/remediation/ingress/alert-group.ts';
import { rejectionOf } from '../../../support/rejection.ts';

/** Alertmanager 0.21's webhook body: no truncatedAlerts yet, and a field from some future release. */
const olderWebhookBody = JSON.stringify({
  version: '4',
  groupKey: '{}/{severity="critical"}:{alertname="ProbeFailure"}',
  status: 'firing',
  receiver: 'lakehouse-ops',
  groupLabels: { alertname: 'ProbeFailure' },
  commonLabels: { alertname: 'ProbeFailure', severity: 'critical' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  futureField: { anything: true },
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'ProbeFailure', severity: 'critical' },
      annotations: {},
      startsAt: '2018-08-03T09:52:26.739266876+02:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: '1a30ba71cca2921f',
    },
  ],
});

describe('parseAlertGroup', () => {
  it('reads a webhook body without truncatedAlerts and ignores fields it does not know', () => {
    const group = parseAlertGroup(olderWebhookBody, 'alertmanager-webhook');
    expect(group).toMatchObject({ truncatedAlerts: 0, groupKey: expect.stringContaining('ProbeFailure') });
    expect(group).not.toHaveProperty('futureField');
    expect(group.alerts[0]?.startsAt).toBe('2018-08-03T09:52:26.739266876+02:00');
  });

  it('refuses an alert without an alertname label, naming the path', async () => {
    const body = JSON.parse(olderWebhookBody);
    body.alerts[0].labels = { severity: 'critical' };
    const failure = await rejectionOf<InvalidAlertPayloadError>(
      Promise.resolve().then(() => parseAlertGroup(JSON.stringify(body), 'alertmanager-webhook')),
    );
    expect(failure).toBeInstanceOf(InvalidAlertPayloadError);
    expect(failure.details.problems).toEqual([
      'alerts[0].labels.alertname: expected string, got nothing (missing)',
    ]);
  });

  it('refuses a group with no alerts', () => {
    const body = { ...JSON.parse(olderWebhookBody), alerts: [] };
    expect(() => parseAlertGroup(JSON.stringify(body), 'alertmanager-webhook')).toThrow(
      InvalidAlertPayloadError,
    );
  });

  it("takes the webhook's own JSON through SNS too (AMP messages may carry it)", () => {
    expect(parseAlertGroup(olderWebhookBody, 'amp-sns').alerts).toHaveLength(1);
  });

  it('names a time that is neither RFC 3339 nor Go format', () => {
    const body = JSON.parse(olderWebhookBody);
    body.alerts[0].startsAt = 'yesterday';
    try {
      parseAlertGroup(JSON.stringify(body), 'amp-sns');
      expect.unreachable('the time should have been refused');
    } catch (error) {
      expect((error as InvalidAlertPayloadError).details.problems).toEqual([
        expect.stringMatching(/^alerts\[0\]\.startsAt: expected an RFC 3339 time or Go's time format/),
      ]);
    }
  });
});

describe('goTimeToRfc3339', () => {
  it.each([
    ['2026-11-26 01:00:00 +0000 UTC', '2026-11-26T01:00:00Z'],
    ['2026-11-26 02:00:00.123456789 +0100 CET', '2026-11-26T02:00:00.123456789+01:00'],
    ['2026-11-25 20:00:00.5 -0500 -05', '2026-11-25T20:00:00.5-05:00'],
    ['2026-11-26 01:00:00.1 +0000 UTC m=+3.000000001', '2026-11-26T01:00:00.1Z'],
    ['0001-01-01 00:00:00 +0000 UTC', '0001-01-01T00:00:00Z'],
  ])('converts %s', (goTime, rfc3339) => {
    expect(goTimeToRfc3339(goTime)).toBe(rfc3339);
  });

  it('returns undefined for anything else', () => {
    expect(goTimeToRfc3339('2026-11-26T01:00:00Z')).toBeUndefined();
    expect(goTimeToRfc3339('26/11/2026 01:00')).toBeUndefined();
  });
});
