import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clearWebhookCredentialsCache,
  isAuthorized,
  readWebhookCredentials,
  SECRET_CACHE_MILLISECONDS,
} from '../../../../../functions/core/remediation/ingress/webhook-auth.ts';
import { rejectionOf } from '../../../support/rejection.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('isAuthorized', () => {
  const both = { token: 's3cret', username: 'alertmanager', password: 'pa:ss' };

  it.each([
    ['the bearer token', 'Bearer s3cret', true],
    ['the bearer token with a lower-case scheme', 'bearer s3cret', true],
    ['basic credentials whose password holds a colon', basic('alertmanager', 'pa:ss'), true],
    ['a token that only starts like the secret', 'Bearer s3cretX', false],
    ['the password as a token', 'Bearer pa:ss', false],
    ['the wrong user', basic('prometheus', 'pa:ss'), false],
    ['nothing', undefined, false],
    ['an empty header', '', false],
  ])('says %s is %s', (_, header, expected) => {
    expect(isAuthorized(header, both)).toBe(expected);
  });

  it('refuses basic auth when the secret only has a token, and bearer when it only has basic', () => {
    expect(isAuthorized(basic('alertmanager', 'pa:ss'), { token: 's3cret' })).toBe(false);
    expect(isAuthorized('Bearer s3cret', { username: 'alertmanager', password: 'pa:ss' })).toBe(false);
  });
});

describe('readWebhookCredentials', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterEach(() => {
    secretsManager.reset();
    clearWebhookCredentialsCache();
  });
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

  it('reads the secret once per cache period', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"one"}' });
    let now = 1_000;
    const read = () => readWebhookCredentials(client(), 'lakehouse/test/alertmanager-webhook', () => now);
    expect(await read()).toEqual({ token: 'one' });
    await read();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"rotated"}' });
    now += SECRET_CACHE_MILLISECONDS;
    expect(await read()).toEqual({ token: 'rotated' });
  });

  it('reads again after a failed read instead of caching the failure', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: '{"token":"t"}' });
    const read = () => readWebhookCredentials(client(), 'lakehouse/test/alertmanager-webhook');
    await expect(read()).rejects.toThrow('throttled');
    expect(await read()).toEqual({ token: 't' });
  });

  it('names what is missing from a secret that configures no credentials, without echoing it', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"only-a-user"}' });
    const failure = await rejectionOf(
      readWebhookCredentials(client(), 'lakehouse/test/alertmanager-webhook'),
    );
    expect(failure.name).toBe('ConfigurationError');
    expect(failure.message).toContain('expected a "token", or a "username" with a "password"');
    expect(failure.message).not.toContain('only-a-user');
  });
});
