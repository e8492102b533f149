import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlertIngressServer,
  startAlertIngressServer,
} from '../../../local/lakehouse/alert-ingress-server.ts';
import {
  BEARER,
  fingerprint,
  useAlertIngressBackends,
  webhookAlert,
  webhookPayload,
} from '../../functions/support/alert-ingress.ts';
import { useHandlerEnvironment } from '../../functions/support/lambda.ts';

describe('alert ingress server', () => {
  const backends = useAlertIngressBackends();
  useHandlerEnvironment(() => backends.environment());
  let server: AlertIngressServer;
  beforeAll(async () => {
    server = await startAlertIngressServer();
  });
  afterAll(() => server.stop());

  const send = (body: string, headers: Record<string, string>) =>
    fetch(server.url, { method: 'POST', body, headers: { authorization: BEARER, ...headers } });

  it('listens on loopback on a port of its own', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("passes a delivery to the deployed handler and returns the handler's response", async () => {
    const fp = fingerprint(0xc001);
    const body = JSON.stringify(webhookPayload([webhookAlert({ fingerprint: fp })]));

    const response = await send(body, { 'content-type': 'application/json' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ alerts: 1, published: 1, duplicates: 0 });
    expect(backends.events().filter((event) => event.detail.fingerprint === fp)).toHaveLength(1);
  });

  it('hands a body of a non-text content type over base64-encoded, as a Function URL does', async () => {
    const fp = fingerprint(0xc002);
    const body = JSON.stringify(webhookPayload([webhookAlert({ fingerprint: fp })]));
    const response = await send(body, { 'content-type': 'application/octet-stream' });
    expect(response.status).toBe(200);
    expect(backends.events().filter((event) => event.detail.fingerprint === fp)).toHaveLength(1);
  });

  it('returns refusals with their status and headers', async () => {
    const response = await send('{}', { 'content-type': 'application/json', authorization: 'Bearer wrong' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('answers 502 without details when the handler fails, as a Function URL does', async () => {
    const failing = await startAlertIngressServer({
      handler: async () => {
        throw new Error('boom');
      },
    });
    try {
      const response = await fetch(failing.url, { method: 'POST', body: '{}' });
      expect(response.status).toBe(502);
      expect(await response.text()).not.toContain('boom');
    } finally {
      await failing.stop();
    }
  });

  it('gives the handler a Function URL event (payload format 2.0)', async () => {
    let seen: Record<string, unknown> | undefined;
    const recording = await startAlertIngressServer({
      handler: async (event) => {
        seen = event as Record<string, unknown>;
        return { statusCode: 204, headers: {}, body: '' };
      },
    });
    try {
      const response = await fetch(`${recording.url}hook?team=platform`, {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json', 'X-Custom': 'yes' },
      });
      expect(response.status).toBe(204);
    } finally {
      await recording.stop();
    }
    expect(seen).toMatchObject({
      version: '2.0',
      rawPath: '/hook',
      rawQueryString: 'team=platform',
      queryStringParameters: { team: 'platform' },
      headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
      requestContext: {
        http: { method: 'POST', path: '/hook', sourceIp: expect.stringContaining('127.0.0.1') },
      },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
  });
});
