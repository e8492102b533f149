import { request } from 'node:http';
import { isIP, Socket } from 'node:net';
import { AwsServiceError } from './http.ts';

/**
 * Route 53 health checks for the simulator: the configuration CreateHealthCheck accepts and one
 * probe of its target, as one Route 53 health checker makes it. Only plain HTTP and TCP on
 * loopback are probed: the simulator must never reach beyond this machine, and nothing local
 * serves TLS.
 */

export const PROBED_TYPES = ['HTTP', 'HTTP_STR_MATCH', 'TCP'] as const;
export type ProbedType = (typeof PROBED_TYPES)[number];

export interface HealthCheckConfig {
  readonly type: ProbedType;
  readonly ipAddress?: string;
  readonly fullyQualifiedDomainName?: string;
  readonly port: number;
  readonly resourcePath?: string;
  readonly searchString?: string;
  readonly requestInterval: number;
  readonly failureThreshold: number;
}

export interface ProbeResult {
  readonly healthy: boolean;
  /** The StatusReport wording: "Success: ..." or "Failure: ...". */
  readonly status: string;
  readonly checkedAt: Date;
}

/** Route 53 waits 4 s for the connection and 2 s for the first byte after it. */
const CONNECT_TIMEOUT_MS = 4_000;
const RESPONSE_TIMEOUT_MS = 2_000;
/** HTTP_STR_MATCH looks for the string in the first 5,120 bytes of the body. */
const SEARCHED_BODY_BYTES = 5_120;
const LOOPBACK_NAMES = new Set(['localhost']);

export function assertLoopbackTarget(
  config: Pick<HealthCheckConfig, 'ipAddress' | 'fullyQualifiedDomainName'>,
) {
  const host = hostOf(config);
  const loopback =
    LOOPBACK_NAMES.has(host.toLowerCase()) ||
    (isIP(host) === 4 && host.startsWith('127.')) ||
    (isIP(host) === 6 && host === '::1');
  if (!loopback) {
    throw new AwsServiceError(
      'InvalidInput',
      `aws-sim probes loopback targets only (127.0.0.0/8, ::1, localhost), not ${host}`,
      400,
    );
  }
}

function hostOf(config: Pick<HealthCheckConfig, 'ipAddress' | 'fullyQualifiedDomainName'>): string {
  return (config.ipAddress ?? config.fullyQualifiedDomainName ?? '').replace(/\.$/, '');
}

export function probe(config: HealthCheckConfig): Promise<ProbeResult> {
  return config.type === 'TCP' ? probeTcp(config) : probeHttp(config);
}

function probeTcp(config: HealthCheckConfig): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (healthy: boolean, status: string) => {
      socket.destroy();
      resolve({ healthy, status, checkedAt: new Date() });
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
      finish(
        false,
        'Failure: The health checker could not establish a TCP connection within the timeout limit.',
      ),
    );
    socket.once('connect', () => finish(true, 'Success: TCP connection established.'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(false, connectionFailure(error)));
    socket.connect(config.port, hostOf(config));
  });
}

function probeHttp(config: HealthCheckConfig): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (healthy: boolean, status: string) => {
      if (settled) return;
      settled = true;
      outgoing.destroy();
      resolve({ healthy, status, checkedAt: new Date() });
    };
    const outgoing = request(
      {
        host: hostOf(config),
        port: config.port,
        path: config.resourcePath ?? '/',
        method: 'GET',
        headers: { 'user-agent': 'Amazon-Route53-Health-Check-Service (aws-sim)' },
        timeout: CONNECT_TIMEOUT_MS,
      },
      (response) => {
        const code = response.statusCode ?? 0;
        const reason = response.statusMessage ?? '';
        const answered = code >= 200 && code < 400;
        if (!answered) {
          finish(false, `Failure: HTTP Status Code ${code}, ${reason}`);
          return;
        }
        const search = config.searchString;
        if (config.type !== 'HTTP_STR_MATCH' || search === undefined) {
          finish(true, `Success: HTTP Status Code ${code}, ${reason}`);
          return;
        }
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
          if (body.length >= SEARCHED_BODY_BYTES) response.destroy();
        });
        const decide = () =>
          body.slice(0, SEARCHED_BODY_BYTES).includes(search)
            ? finish(
                true,
                `Success: HTTP Status Code ${code}, ${reason}. Search string found in the response body.`,
              )
            : finish(
                false,
                `Failure: Search string '${search}' was not found in the first 5120 bytes of the response body.`,
              );
        response.once('end', decide);
        response.once('close', decide);
      },
    );
    outgoing.setTimeout(CONNECT_TIMEOUT_MS + RESPONSE_TIMEOUT_MS, () =>
      finish(false, 'Failure: The health checker timed out waiting for a response.'),
    );
    outgoing.once('error', (error: NodeJS.ErrnoException) => finish(false, connectionFailure(error)));
    outgoing.end();
  });
}

function connectionFailure(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED')
    return 'Failure: Connection refused. The endpoint refused the connection.';
  return `Failure: ${error.code ?? 'ERROR'}: ${error.message}`;
}
