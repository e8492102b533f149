import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { clearJsonSecretCache, readJsonSecret } from '../../../functions/commons/json-secret.ts';
import { expectFailure } from '../support/rejection.ts';

const secretsManagerMock = mockClient(SecretsManagerClient);
const client = () => new SecretsManagerClient({ region: 'eu-west-1' });
const tokenSecret = {
  what: 'the token secret',
  expected: '{"token": "..."}',
  schema: z.object({ token: z.string() }),
};

describe('readJsonSecret', () => {
  afterEach(() => {
    secretsManagerMock.reset();
    clearJsonSecretCache();
  });

  it('reads a secret once for the life of the environment when it has no maximum age', async () => {
    secretsManagerMock.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"one"}' });

    expect(await readJsonSecret(client(), 'test/token', tokenSecret)).toEqual({ token: 'one' });
    expect(await readJsonSecret(client(), 'test/token', tokenSecret, () => Date.now() + 86_400_000)).toEqual({
      token: 'one',
    });
    expect(secretsManagerMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads again once the maximum age has passed', async () => {
    secretsManagerMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: '{"token":"one"}' }).resolves({
      SecretString: '{"token":"rotated"}',
    });
    const rotating = { ...tokenSecret, maxAgeMs: 1000 };

    expect(await readJsonSecret(client(), 'test/token', rotating, () => 0)).toEqual({ token: 'one' });
    expect(await readJsonSecret(client(), 'test/token', rotating, () => 999)).toEqual({ token: 'one' });
    expect(await readJsonSecret(client(), 'test/token', rotating, () => 1000)).toEqual({ token: 'rotated' });
  });

  it('keeps what one secret id is read as apart from another reading of it', async () => {
    secretsManagerMock.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"t","key":"k"}' });
    const keySecret = {
      what: 'the key secret',
      expected: '{"key": "..."}',
      schema: z.object({ key: z.string() }),
    };

    expect(await readJsonSecret(client(), 'test/both', tokenSecret)).toEqual({ token: 't' });
    expect(await readJsonSecret(client(), 'test/both', keySecret)).toEqual({ key: 'k' });
  });

  it('names the secret and the expected shape when it is not JSON, without echoing it', async () => {
    secretsManagerMock.on(GetSecretValueCommand).resolves({ SecretString: 'token=hunter2' });

    const error = await expectFailure(
      readJsonSecret(client(), 'test/token', tokenSecret),
      'ConfigurationError',
      'the token secret test/token is not JSON; expected {"token": "..."}',
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a binary secret', async () => {
    secretsManagerMock.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });

    await expectFailure(
      readJsonSecret(client(), 'test/token', tokenSecret),
      'ConfigurationError',
      'has no SecretString',
    );
  });

  it('does not cache a failed read', async () => {
    secretsManagerMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"tokn":"typo"}' })
      .resolves({ SecretString: '{"token":"fixed"}' });

    await expectFailure(
      readJsonSecret(client(), 'test/token', tokenSecret),
      'ConfigurationError',
      'token: expected string',
    );
    expect(await readJsonSecret(client(), 'test/token', tokenSecret)).toEqual({ token: 'fixed' });
  });
});
