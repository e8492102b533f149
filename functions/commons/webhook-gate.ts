import { ConfigurationError, describeError } from './errors.ts';
import { type HttpResponse, jsonResponse, rawBodyBytes, type WebhookRequest } from './function-url.ts';
import { isAuthorized, type WebhookCredentials } from './webhook-auth.ts';

/**
 * What every webhook behind a Function URL checks before it reads the body, in this order:
 * credentials readable, caller authenticated, method accepted, body not too large. Senders retry a
 * 5xx and give up on a 4xx, so a secret that cannot be read right now is 503 and a misconfigured
 * one 500.
 */
export interface WebhookGate {
  credentials: () => Promise<WebhookCredentials>;
  logger: { error(message: string, ...attributes: Record<string, unknown>[]): void };
  /** Names the endpoint in the authentication challenge. */
  realm: string;
  /** Who calls it, for the 405 message ("Alertmanager POSTs"). */
  sender: string;
  methods: readonly string[];
  maxBodyBytes: number;
}

/** The response that turns the request away, or undefined when it may go on. */
export async function gateWebhookRequest(
  gate: WebhookGate,
  request: WebhookRequest,
): Promise<HttpResponse | undefined> {
  let credentials: WebhookCredentials;
  try {
    credentials = await gate.credentials();
  } catch (error) {
    gate.logger.error('cannot read the webhook credentials', { error: describeError(error) });
    return error instanceof ConfigurationError
      ? jsonResponse(500, { error: 'the webhook credentials are misconfigured' })
      : jsonResponse(503, { error: 'the webhook credentials cannot be read right now; retry' });
  }
  if (!isAuthorized(request.authorization, credentials)) {
    return jsonResponse(
      401,
      { error: 'missing or invalid credentials: send the bearer token or basic auth of the webhook secret' },
      { 'www-authenticate': challenge(credentials, gate.realm) },
    );
  }
  if (!gate.methods.includes(request.method)) {
    return jsonResponse(
      405,
      { error: `${request.method} is not accepted; ${gate.sender} ${gate.methods.join(' or ')}s` },
      { allow: gate.methods.join(', ') },
    );
  }
  const bytes = rawBodyBytes(request);
  if (bytes > gate.maxBodyBytes) {
    return jsonResponse(413, {
      error: `the body is ${bytes} bytes; at most ${gate.maxBodyBytes} are accepted`,
    });
  }
  return undefined;
}

function challenge(credentials: WebhookCredentials, realmName: string): string {
  const realm = `realm="${realmName}"`;
  return credentials.username === undefined ? `Bearer ${realm}` : `Bearer ${realm}, Basic ${realm}`;
}
