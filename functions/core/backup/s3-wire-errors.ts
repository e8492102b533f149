import type { IncomingMessage } from 'node:http';

/**
 * What the S3 client does with an answer besides parsing it, for the direct object transport
 * (direct-object-transport.ts): errors shaped as the SDK's, and the clock-skew correction.
 */

/** As the SDK: a server clock this far from ours (with the learnt offset) is taken as the truth. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface ClockConfig {
  systemClockOffset?: number;
}

/**
 * Learns the server's clock from an answer's Date header, as the client does after each request,
 * so that the next signature carries a time the server accepts. Returns whether the offset moved:
 * a request refused for its time (RequestTimeTooSkewed) is then worth one more attempt.
 */
export function learnClockSkew(config: ClockConfig, dateHeader: string | undefined): boolean {
  if (!dateHeader) return false;
  const serverTime = Date.parse(dateHeader);
  if (Number.isNaN(serverTime)) return false;
  const offset = config.systemClockOffset ?? 0;
  if (Math.abs(Date.now() + offset - serverTime) < CLOCK_SKEW_MS) return false;
  config.systemClockOffset = serverTime - Date.now();
  return true;
}

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * The S3 error of a non-2xx answer, shaped as the SDK's: `name` is S3's code from the XML body
 * (or one named after the status when there is none), `$metadata` has the status and request ids,
 * and `$retryable` is set when the clock was just corrected (the SDK retries those too).
 */
export async function s3Error(
  response: IncomingMessage,
  operation: string,
  clockSkewCorrected = false,
): Promise<Error> {
  const status = response.statusCode ?? 0;
  let text = '';
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (text.length < MAX_ERROR_BODY_BYTES) text += chunk.toString('utf8');
    }
  } catch {
    // The status alone still classifies the failure.
  }
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? statusName(status);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? `HTTP ${status}`;
  const requestId = response.headers['x-amz-request-id'];
  const extendedRequestId = response.headers['x-amz-id-2'];
  return Object.assign(new Error(`${operation}: ${code}: ${message}`), {
    name: code,
    $metadata: {
      httpStatusCode: status,
      ...(typeof requestId === 'string' ? { requestId } : {}),
      ...(typeof extendedRequestId === 'string' ? { extendedRequestId } : {}),
    },
    ...(clockSkewCorrected ? { $retryable: { throttling: false } } : {}),
  });
}

/** What the SDK names an error without a body (HEAD-like answers, proxies). */
function statusName(status: number): string {
  if (status === 404) return 'NotFound';
  if (status === 412 || status === 304) return 'PreconditionFailed';
  return `Http${status}`;
}
