import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/alert-ingress.handler.ts';
import {
  ALERT_EVENT_DETAIL_TYPE,
  ALERT_EVENT_SOURCE,
  alertEventSchema,
} from '../../functions/core/remediation/alert-event.ts';
import { ALERT_DEDUP_TTL_SECONDS } from '../../functions/core/remediation/ingress/alert-dedup.ts';
import { MAX_BODY_BYTES } from '../../functions/core/remediation/ingress/alert-webhook.ts';
import { clearWebhookCredentialsCache } from '../../functions/core/remediation/ingress/webhook-auth.ts';
import { loadEnvironmentConfig } from '../../infra/config/load-config.ts';
import { alertRules } from '../../infra/stacks/alert-rules.ts';
import { alertRuleWirePattern, matchesEventPattern } from '../infra/event-pattern.ts';
import {
  BASIC,
  BEARER,
  type FunctionUrlRequest,
  fingerprint,
  functionUrlEvent,
  useAlertIngressBackends,
  WEBHOOK_CREDENTIALS,
  webhookAlert,
  webhookPayload,
} from './support/alert-ingress.ts';
import { lambdaContext, stubEnvironment, useHandlerEnvironment } from './support/lambda.ts';

interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

async function deliver(request: FunctionUrlRequest): Promise<Response & { json: Record<string, unknown> }> {
  const response = (await handler(functionUrlEvent(request), lambdaContext('alert-ingress'))) as Response;
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

function post(payload: unknown, authorization = BEARER) {
  return deliver({ body: JSON.stringify(payload), authorization });
}

describe('alert-ingress handler', () => {
  const backends = useAlertIngressBackends();
  useHandlerEnvironment(() => backends.environment());
  let nextAlert = 0;
  /** Fingerprints no other test of this file uses, so each test sees only its own items. */
  const freshFingerprints = (count: number) =>
    Array.from({ length: count }, () => {
      nextAlert += 1;
      return fingerprint(0xa000_0000 + nextAlert);
    });

  /** Runs `act` and checks that it wrote no dedup item and put no event. */
  async function expectNoSideEffects(act: () => Promise<void>): Promise<void> {
    const itemsBefore = (await backends.alertItems()).length;
    const eventsBefore = backends.events().length;
    await act();
    expect((await backends.alertItems()).length).toBe(itemsBefore);
    expect(backends.events().length).toBe(eventsBefore);
  }

  beforeEach(() => clearWebhookCredentialsCache());

  it('publishes each alert of a group as its own event and answers with the counts', async () => {
    const [crashing, filling, quiet] = freshFingerprints(3) as [string, string, string];
    const before = Date.now();
    const response = await post(
      webhookPayload([
        webhookAlert({ fingerprint: crashing, labels: { severity: 'warning' } }),
        webhookAlert({
          fingerprint: filling,
          alertname: 'MinioDiskFilling',
          labels: { severity: 'critical' },
        }),
        webhookAlert({ fingerprint: quiet, alertname: 'PrefectQueueSlow' }),
      ]),
    );

    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ alerts: 3, published: 3, duplicates: 0 });
    const events = backends
      .events()
      .filter((event) => [crashing, filling, quiet].includes(fingerprintOf(event)));
    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(event).toMatchObject({ source: ALERT_EVENT_SOURCE, 'detail-type': ALERT_EVENT_DETAIL_TYPE });
      expect(alertEventSchema.safeParse(event.detail).success).toBe(true);
    }
    expect(events.map(({ detail }) => [detail.alertname, detail.severity])).toEqual(
      expect.arrayContaining([
        ['PodCrashLooping', 'warning'],
        ['MinioDiskFilling', 'critical'],
        ['PrefectQueueSlow', 'info'],
      ]),
    );
    expect(events[0]?.detail).toMatchObject({
      status: 'firing',
      startsAt: '2026-11-26T01:00:00.123456789Z',
      receiver: 'lakehouse-ops',
      externalURL: 'http://alertmanager:9093',
      groupKey: '{}:{alertname="PodCrashLooping"}',
      source: 'alertmanager',
    });

    const item = (await backends.alertItems()).find((candidate) => candidate.pk === `ALERT#${crashing}`);
    expect(item).toMatchObject({ sk: '2026-11-26T01:00:00.123456789Z#firing', alertname: 'PodCrashLooping' });
    const expiresAt = Number(item?.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) + ALERT_DEDUP_TTL_SECONDS);
    expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + ALERT_DEDUP_TTL_SECONDS);
  });

  it('publishes nothing twice when Alertmanager repeats or retries the same group', async () => {
    const fingerprints = freshFingerprints(4);
    const payload = webhookPayload(fingerprints.map((fp) => webhookAlert({ fingerprint: fp })));

    // A retry racing the first delivery: only the conditional write decides.
    const racing = await Promise.all([post(payload), post(payload), post(payload)]);
    const repeated = await post(payload);

    expect(racing.map((response) => response.json.published).sort()).toEqual([0, 0, 4]);
    expect(repeated.json).toEqual({ alerts: 4, published: 0, duplicates: 4 });
    expect(eventsFor(fingerprints)).toHaveLength(4);
  });

  it('publishes nothing twice across execution environments: a fresh one relies on the table', async () => {
    const fingerprints = freshFingerprints(2);
    const payload = webhookPayload(fingerprints.map((fp) => webhookAlert({ fingerprint: fp })));
    expect((await post(payload)).json).toMatchObject({ published: 2 });

    vi.resetModules();
    const fresh = (await import('../../functions/alert-ingress.handler.ts')).handler;
    const event = functionUrlEvent({ body: JSON.stringify(payload), authorization: BEARER });
    const response = (await fresh(event, lambdaContext('alert-ingress'))) as Response;

    expect(JSON.parse(response.body)).toEqual({ alerts: 2, published: 0, duplicates: 2 });
    expect(eventsFor(fingerprints)).toHaveLength(2);
  });

  it('publishes a resolved alert once, after its firing event', async () => {
    const [fp] = freshFingerprints(1) as [string];
    await post(webhookPayload([webhookAlert({ fingerprint: fp })]));
    const resolved = webhookPayload([webhookAlert({ fingerprint: fp, status: 'resolved' })]);

    expect((await post(resolved)).json).toEqual({ alerts: 1, published: 1, duplicates: 0 });
    expect((await post(resolved)).json).toEqual({ alerts: 1, published: 0, duplicates: 1 });
    expect(eventsFor([fp]).map((event) => event.detail.status)).toEqual(['firing', 'resolved']);
  });

  it('accepts basic auth with the secret username and password, and a base64-encoded body', async () => {
    const [fp] = freshFingerprints(1) as [string];
    const body = Buffer.from(JSON.stringify(webhookPayload([webhookAlert({ fingerprint: fp })]))).toString(
      'base64',
    );

    const response = await deliver({ body, isBase64Encoded: true, authorization: BASIC });

    expect(response.statusCode).toBe(200);
    expect(eventsFor([fp])).toHaveLength(1);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong bearer token', 'Bearer not-the-token'],
    ['the token with another scheme', `Token ${WEBHOOK_CREDENTIALS.token}`],
    [
      'a wrong basic password',
      `Basic ${Buffer.from(`${WEBHOOK_CREDENTIALS.username}:wrong`).toString('base64')}`,
    ],
    ['basic credentials without a colon', `Basic ${Buffer.from('alertmanager').toString('base64')}`],
  ])('answers 401 with a Bearer challenge and changes nothing for %s', async (_, authorization) => {
    const [fp] = freshFingerprints(1) as [string];
    await expectNoSideEffects(async () => {
      const body = JSON.stringify(webhookPayload([webhookAlert({ fingerprint: fp })]));
      const response = await deliver({ body, ...(authorization === undefined ? {} : { authorization }) });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    });
  });

  it('answers 413 and changes nothing when the raw body is above 1 MiB, plain or base64', async () => {
    const [fp] = freshFingerprints(1) as [string];
    const payload = webhookPayload([webhookAlert({ fingerprint: fp })]);
    const text = JSON.stringify({ ...payload, padding: 'x'.repeat(MAX_BODY_BYTES) });
    await expectNoSideEffects(async () => {
      expect((await deliver({ body: text, authorization: BEARER })).statusCode).toBe(413);
      const base64 = Buffer.from(text).toString('base64');
      expect((await deliver({ body: base64, isBase64Encoded: true, authorization: BEARER })).statusCode).toBe(
        413,
      );
    });
    // Exactly at the limit is accepted: the padding is an unknown field, ignored.
    const atLimit = JSON.stringify({ ...payload, padding: '' });
    const padded = JSON.stringify({
      ...payload,
      padding: 'x'.repeat(MAX_BODY_BYTES - Buffer.byteLength(atLimit)),
    });
    expect((await deliver({ body: padded, authorization: BEARER })).statusCode).toBe(200);
  });

  it('answers 400 naming each problem by its path, and changes nothing', async () => {
    const [fp] = freshFingerprints(1) as [string];
    const { startsAt: _, ...withoutStart } = webhookAlert({ fingerprint: fp });
    await expectNoSideEffects(async () => {
      const notJson = await deliver({ body: '{"version": "4",', authorization: BEARER });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json.problems).toEqual([expect.stringMatching(/^\(root\): not JSON/)]);

      const version3 = await post({ ...webhookPayload([webhookAlert({ fingerprint: fp })]), version: '3' });
      expect(version3.statusCode).toBe(400);
      expect(version3.json.problems).toEqual(['version: expected one of "4", got "3"']);

      const missing = await post(webhookPayload([withoutStart, { ...webhookAlert({ fingerprint: 'XYZ' }) }]));
      expect(missing.statusCode).toBe(400);
      expect(missing.json.problems).toEqual([
        'alerts[0].startsAt: expected string, got nothing (missing)',
        'alerts[1].fingerprint: expected the hexadecimal fingerprint Alertmanager computes, got "XYZ"',
      ]);

      const empty = await deliver({ authorization: BEARER });
      expect(empty.statusCode).toBe(400);
    });
  });

  it('answers 405 to anything but POST', async () => {
    await expectNoSideEffects(async () => {
      const response = await deliver({ method: 'GET', authorization: BEARER });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('POST');
    });
  });

  it('answers 503 when EventBridge refuses entries, keeps only the published claims, and the retry publishes the rest', async () => {
    const fingerprints = freshFingerprints(12);
    const refused = new Set(fingerprints.slice(10));
    const payload = webhookPayload(fingerprints.map((fp) => webhookAlert({ fingerprint: fp })));
    const restore = backends
      .awsSim()
      .events.failEntries((entry) =>
        refused.has(JSON.parse(String(entry.Detail)).fingerprint)
          ? { errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }
          : undefined,
      );

    const failed = await post(payload);
    restore();

    expect(failed.statusCode).toBe(503);
    expect(failed.json).toMatchObject({ published: 10 });
    expect(eventsFor(fingerprints)).toHaveLength(10);
    const claimed = (await backends.alertItems()).map((item) => item.pk);
    for (const fp of refused) expect(claimed).not.toContain(`ALERT#${fp}`);

    const retried = await post(payload);
    expect(retried.json).toEqual({ alerts: 12, published: 2, duplicates: 10 });
    expect(new Set(eventsFor(fingerprints).map(fingerprintOf))).toEqual(new Set(fingerprints));
    expect(eventsFor(fingerprints)).toHaveLength(12);
  });

  it('answers 503 and publishes nothing when the dedup table fails', async () => {
    stubEnvironment({ OPS_TABLE_NAME: 'no-such-table' });
    const [fp] = freshFingerprints(1) as [string];
    await expectNoSideEffects(async () => {
      const response = await post(webhookPayload([webhookAlert({ fingerprint: fp })]));
      expect(response.statusCode).toBe(503);
      expect(response.json.error).toContain('no-such-table');
    });
  });

  it('publishes exactly 100 events for 10,000 deliveries carrying 100 distinct alerts, which start exactly 100 remediations', async () => {
    const fingerprints = freshFingerprints(100);
    const random = fc.sample(fc.integer({ min: 0, max: 99 }), { numRuns: 20_000, seed: 4 });
    const deliveries = Array.from({ length: 10_000 }, (_, index) => {
      // Groups of one or two alerts, so a group holds both a seen and an unseen alert at times.
      const members = new Set([random[2 * index]!, random[2 * index + 1]!].slice(0, 1 + (index % 2)));
      return webhookPayload([...members].map((n) => routedAlert(fingerprints[n]!)));
    });
    // Every alert appears at least once, whatever the sample.
    fingerprints.forEach((fp, n) => {
      deliveries[n] = webhookPayload([routedAlert(fp)]);
    });

    let published = 0;
    for (let start = 0; start < deliveries.length; start += 100) {
      const batch = deliveries.slice(start, start + 100);
      const responses = await Promise.all(batch.map((payload) => post(payload)));
      for (const response of responses) {
        expect(response.statusCode).toBe(200);
        published += Number(response.json.published);
      }
    }

    expect(published).toBe(100);
    expect(eventsFor(fingerprints)).toHaveLength(100);
    expect(new Set(eventsFor(fingerprints).map(fingerprintOf)).size).toBe(100);
    // The production stack's rules start one remediate execution per event, and nothing else.
    const rules = alertRules(loadEnvironmentConfig('production').remediation);
    const started = eventsFor(fingerprints).flatMap((event) =>
      rules.filter((rule) => matchesEventPattern(alertRuleWirePattern(rule), event)).map((rule) => rule.id),
    );
    expect(started).toEqual(Array.from({ length: 100 }, () => 'RemediatePodCrashLooping'));
  }, 180_000);

  it('answers 4xx and changes nothing for 1,000 fuzzed or malformed payloads', async () => {
    const [fp] = freshFingerprints(1) as [string];
    const valid = webhookPayload([webhookAlert({ fingerprint: fp })]);
    await expectNoSideEffects(async () => {
      await fc.assert(
        fc.asyncProperty(malformedRequest(valid), async (request) => {
          const response = await deliver(request);
          expect(response.statusCode).toBeGreaterThanOrEqual(400);
          expect(response.statusCode).toBeLessThan(500);
        }),
        { numRuns: 1_000, seed: 20_261_126 },
      );
    });
  }, 120_000);

  function eventsFor(fingerprints: readonly string[]) {
    const wanted = new Set(fingerprints);
    return backends.events().filter((event) => wanted.has(fingerprintOf(event)));
  }
});

/** PodCrashLooping at a severity production routes to its playbook chain. */
function routedAlert(fingerprint: string): Record<string, unknown> {
  return webhookAlert({ fingerprint, labels: { severity: 'warning' } });
}

function fingerprintOf(event: { detail: Record<string, unknown> }): string {
  return String(event.detail.fingerprint);
}

/** Fields whose absence or a value of the wrong kind makes a payload invalid (truncatedAlerts may be absent). */
const REQUIRED_GROUP_FIELDS = [
  'version',
  'groupKey',
  'status',
  'receiver',
  'groupLabels',
  'commonLabels',
  'commonAnnotations',
  'externalURL',
  'alerts',
];
const REQUIRED_ALERT_FIELDS = [
  'status',
  'labels',
  'annotations',
  'startsAt',
  'endsAt',
  'generatorURL',
  'fingerprint',
];
/** Strings with a format or a fixed set of values, where any other string is wrong too. */
const FORMATTED_ALERT_FIELDS = ['status', 'startsAt', 'endsAt', 'fingerprint'];

/**
 * Requests that can never be accepted: any string or JSON value as the body, random bytes, and the
 * valid payload with one required field removed, given a value of the wrong kind, or (for
 * formatted strings) another string.
 */
function malformedRequest(valid: Record<string, unknown>): fc.Arbitrary<FunctionUrlRequest> {
  const alert = (valid.alerts as Record<string, unknown>[])[0]!;
  // fc.option's null stands for "field removed"; none of these is a string, so none fits anywhere.
  const wrongKind = fc.option(
    fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.constant({ n: 1 })),
  );
  const brokenGroup = fc
    .record({ field: fc.constantFrom(...REQUIRED_GROUP_FIELDS), value: wrongKind })
    .map(({ field, value }) => withField(valid, field, value));
  const brokenAlert = fc
    .record({ field: fc.constantFrom(...REQUIRED_ALERT_FIELDS), value: wrongKind })
    .map(({ field, value }) => ({ ...valid, alerts: [withField(alert, field, value)] }));
  const misformatted = fc
    .record({ field: fc.constantFrom(...FORMATTED_ALERT_FIELDS), value: fc.string({ maxLength: 12 }) })
    .map(({ field, value }) => ({ ...valid, alerts: [withField(alert, field, `${value}¿`)] }));
  const unlabelled = fc.constant({ ...valid, alerts: [{ ...alert, labels: { severity: 'critical' } }] });
  const json = fc
    .oneof(brokenGroup, brokenAlert, misformatted, unlabelled, fc.jsonValue())
    .map((value) => JSON.stringify(value));
  return fc.oneof(
    json.map((body) => ({ body, authorization: BEARER })),
    fc.string({ maxLength: 200 }).map((body) => ({ body, authorization: BEARER })),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => ({
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
      authorization: BEARER,
    })),
  );
}

/** `record` with `field` removed (value null) or replaced by `value`. */
function withField(record: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
  const { [field]: _, ...rest } = record;
  return value === null ? rest : { ...rest, [field]: value };
}
