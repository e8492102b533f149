import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type KubernetesConnection,
  sendHttpRequest,
} from '../../../../functions/commons/kubernetes/transport.ts';
import { type Answer, type RecordingServer, startRecordingServer } from '../../support/recording-server.ts';
import { rejectionOf } from '../../support/rejection.ts';

/** A self-signed certificate for 127.0.0.1 (valid until 2126) and an unrelated one, as cluster CAs. */
const tlsFixture = (file: string) =>
  readFileSync(new URL(`../../support/tls/${file}`, import.meta.url), 'utf8');
const SERVER_TLS = { key: tlsFixture('api-server.key.pem'), cert: tlsFixture('api-server.cert.pem') };
const base64 = (pem: string) => Buffer.from(pem).toString('base64');

describe('sendHttpRequest', () => {
  let server: RecordingServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function serve(answer: Answer, tls?: typeof SERVER_TLS): Promise<RecordingServer> {
    server = await startRecordingServer(() => answer, { tls });
    return server;
  }

  it('sends the bearer token, JSON headers and the body, and returns status and body', async () => {
    const { url, requests } = await serve([201, { kind: 'Job' }]);

    const answer = await sendHttpRequest(
      { server: url, token: 'k8s-aws-v1.abc' },
      { method: 'POST', path: '/apis/batch/v1/namespaces/s5cmd/jobs?dryRun=All', body: '{"kind":"Job"}' },
      1000,
    );

    expect(answer).toEqual({ statusCode: 201, body: '{"kind":"Job"}' });
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/apis/batch/v1/namespaces/s5cmd/jobs',
      authorization: 'Bearer k8s-aws-v1.abc',
      body: '{"kind":"Job"}',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': '14' },
    });
    expect(requests[0]?.query.get('dryRun')).toBe('All');
  });

  it('keeps a path prefix in the server URL (an API proxy)', async () => {
    const { url, requests } = await serve([200, {}]);

    await sendHttpRequest(
      { server: `${url}/k8s/clusters/c-1/`, token: 't' },
      { method: 'GET', path: '/api/v1/nodes' },
      1000,
    );

    expect(requests[0]?.path).toBe('/k8s/clusters/c-1/api/v1/nodes');
  });

  it('trusts an https server whose certificate the connection CA signed', async () => {
    const { url } = await serve([200, { kind: 'NodeList' }], SERVER_TLS);

    const answer = await sendHttpRequest(
      { server: url, caData: base64(SERVER_TLS.cert), token: 't' },
      { method: 'GET', path: '/api/v1/nodes' },
      1000,
    );

    expect(answer.statusCode).toBe(200);
  });

  it('refuses an https server that another CA signed', async () => {
    const { url, requests } = await serve([200, {}], SERVER_TLS);

    const error = await rejectionOf<Error & { code?: string }>(
      sendHttpRequest(
        { server: url, caData: base64(tlsFixture('other-cluster-ca.cert.pem')), token: 't' },
        { method: 'GET', path: '/api/v1/nodes' },
        1000,
      ),
    );

    expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(requests).toHaveLength(0);
  });

  it.each<[string, KubernetesConnection, string]>([
    [
      'CA data that is not a PEM certificate',
      { server: 'https://127.0.0.1:1', caData: base64('junk'), token: 't' },
      'is not a base64-encoded PEM certificate',
    ],
    ['a server that is not a URL', { server: 'eks.example', token: 't' }, 'is not a URL'],
    [
      'a server that is neither http nor https',
      { server: 'ftp://127.0.0.1', token: 't' },
      'must be an https://',
    ],
  ])('throws ConfigurationError for %s', async (_case, connection, message) => {
    const error = await rejectionOf(
      sendHttpRequest(connection, { method: 'GET', path: '/api/v1/nodes' }, 1000),
    );

    expect(error).toMatchObject({ name: 'ConfigurationError', message: expect.stringContaining(message) });
  });

  it.each<[string, Answer]>([
    ['sends no answer', 'hang'],
    [
      'sends headers and then stalls in the body',
      (response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"items": [');
      },
    ],
  ])('gives up after the deadline when the server %s', async (_case, answer) => {
    const { url } = await serve(answer);
    const started = performance.now();

    const error = await rejectionOf<Error & { code?: string }>(
      sendHttpRequest({ server: url, token: 't' }, { method: 'GET', path: '/api/v1/nodes' }, 150),
    );

    expect(error).toMatchObject({ name: 'RequestTimeoutError', code: 'ETIMEDOUT' });
    expect(error.message).toBe('no complete answer within 150 ms');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
