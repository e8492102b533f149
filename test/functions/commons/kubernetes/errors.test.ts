import { describe, expect, it } from 'vitest';
import { KubernetesApiError, TransientError } from '../../../../functions/commons/errors.ts';
import {
  errorFromFailure,
  errorFromResponse,
  isNotFound,
  statusOf,
} from '../../../../functions/commons/kubernetes/errors.ts';
import { disruptionBudgetRefusal, kubernetesStatus } from '../../support/recording-server.ts';

const statusBody = (code: number, reason: string, message: string, details?: Record<string, unknown>) =>
  JSON.stringify(kubernetesStatus(code, reason, message, details));

describe('errorFromResponse', () => {
  it.each([500, 503, 504, 429, 408])('maps HTTP %i to TransientError', (code) => {
    const error = errorFromResponse('list nodes', code, statusBody(code, 'x', 'busy'));

    expect(error).toMatchObject({
      name: 'TransientError',
      details: { httpStatusCode: code, statusMessage: 'busy' },
    });
  });

  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'NotFound'],
    [422, 'Invalid'],
  ])('maps HTTP %i to KubernetesApiError with the Status message', (code, reason) => {
    const body = statusBody(code, reason, 'deployments.apps "prefect-server" is forbidden: User cannot get');

    const error = errorFromResponse('get deployment prefect/prefect-server', code, body);

    expect(error).toMatchObject({
      name: 'KubernetesApiError',
      details: {
        operation: 'get deployment prefect/prefect-server',
        httpStatusCode: code,
        reason,
        statusMessage: 'deployments.apps "prefect-server" is forbidden: User cannot get',
      },
    });
    expect(error.message).toContain(`answered ${code} ${reason}`);
  });

  it.each([
    ['Conflict', 'Operation cannot be fulfilled on deployments.apps "x": the object has been modified'],
    ['AlreadyExists', 'jobs.batch "copy-1" already exists'],
  ])('maps 409 %s to KubernetesConflictError carrying the Status', (reason, message) => {
    const error = errorFromResponse('replace deployment a/x', 409, statusBody(409, reason, message));

    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({
      name: 'KubernetesConflictError',
      details: { httpStatusCode: 409, reason, status: { kind: 'Status', code: 409, reason, message } },
    });
  });

  it('maps an eviction refused with 429 to EvictionBlockedError naming the budget and when to retry', () => {
    const body = JSON.stringify(disruptionBudgetRefusal('minio', 4));

    const error = errorFromResponse('evict pod minio/minio-0', 429, body, { eviction: true });

    expect(error).not.toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      name: 'EvictionBlockedError',
      details: { httpStatusCode: 429, reason: 'TooManyRequests', retryAfterSeconds: 10 },
    });
    expect(error.message).toContain('(The disruption budget minio needs 4 healthy pods and has 4 currently)');
  });

  it('keeps the text of a body that is not a Status (a proxy answered)', () => {
    const error = errorFromResponse('list nodes', 502, '<html>Bad Gateway</html>\n');

    expect(error).toMatchObject({
      name: 'TransientError',
      details: { statusMessage: '<html>Bad Gateway</html>' },
    });
  });
});

describe('errorFromFailure', () => {
  it('maps a refused connection to TransientError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

    expect(errorFromFailure('list nodes', refused)).toMatchObject({
      name: 'TransientError',
      message: 'list nodes: Kubernetes API unreachable: connect ECONNREFUSED 127.0.0.1:1',
    });
  });

  it('maps an untrusted server certificate to ConfigurationError', () => {
    const untrusted = Object.assign(new Error('self-signed certificate'), {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });

    expect(errorFromFailure('list nodes', untrusted)).toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)'),
    });
  });

  it('leaves errors it does not recognise unchanged', () => {
    const bug = new TypeError('cannot read properties of undefined');

    expect(errorFromFailure('list nodes', bug)).toBe(bug);
  });
});

describe('statusOf', () => {
  it('reads a Status and treats an empty body as no Status', () => {
    expect(statusOf(statusBody(404, 'NotFound', 'gone'))).toMatchObject({
      reason: 'NotFound',
      message: 'gone',
    });
    expect(statusOf('')).toEqual({});
  });
});

describe('isNotFound', () => {
  it('is true only for a KubernetesApiError answered with 404', () => {
    expect(
      isNotFound(errorFromResponse('get pod a/b', 404, statusBody(404, 'NotFound', 'pods "b" not found'))),
    ).toBe(true);
    expect(isNotFound(errorFromResponse('get pod a/b', 403, statusBody(403, 'Forbidden', 'no')))).toBe(false);
    expect(isNotFound(new Error('404'))).toBe(false);
  });
});
