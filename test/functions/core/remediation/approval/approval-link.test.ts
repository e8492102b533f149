import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { clearJsonSecretCache } from '../../../../../functions/commons/json-secret.ts';
import {
  describeSchemaProblems,
  safeParseWithMessages,
} from '../../../../../functions/commons/schema-problems.ts';
import {
  approvalLink,
  hasValidSignature,
  readSigningKey,
  signApprovalLink,
  signedLinkOf,
  signedLinkSchema,
} from '../../../../../functions/core/remediation/approval/approval-link.ts';
import { expectFailure } from '../../../support/rejection.ts';

const key = Buffer.alloc(32, 1);
const params = {
  approvalId: '0f8e2c1a-4b5d-4e6f-8a9b-0c1d2e3f4a5b',
  decision: 'approve',
  expiresAt: 1_800_000_000,
} as const;

describe('approval links', () => {
  it('round-trips: a link parses back to its parameters with a valid signature', () => {
    const link = new URL(approvalLink('https://abc.lambda-url.eu-west-1.on.aws/', key, params));
    const parsed = signedLinkSchema.safeParse(Object.fromEntries(link.searchParams));

    expect(parsed.success).toBe(true);
    const signed = signedLinkOf(parsed.data!);
    expect(signed).toMatchObject(params);
    expect(hasValidSignature(key, signed, signed.signature)).toBe(true);
  });

  it.each([
    ['another approval', { ...params, approvalId: '0f8e2c1a-4b5d-4e6f-8a9b-0c1d2e3f4a5c' }],
    ['the other decision', { ...params, decision: 'reject' as const }],
    ['a later expiry', { ...params, expiresAt: params.expiresAt + 1 }],
  ])('refuses the signature for %s', (_what, changed) => {
    expect(hasValidSignature(key, changed, signApprovalLink(key, params))).toBe(false);
  });

  it('refuses a signature of another key, of the wrong length, or not hex', () => {
    const signature = signApprovalLink(key, params);

    expect(hasValidSignature(key, params, signApprovalLink(Buffer.alloc(32, 2), params))).toBe(false);
    expect(hasValidSignature(key, params, signature.slice(0, 62))).toBe(false);
    expect(hasValidSignature(key, params, `${signature}00`)).toBe(false);
    expect(hasValidSignature(key, params, 'z'.repeat(64))).toBe(false);
  });

  it('keeps the base URL path and adds the four link fields', () => {
    const link = new URL(approvalLink('https://ops.example.com/approvals/', key, params));

    expect(link.pathname).toBe('/approvals/');
    expect([...link.searchParams.keys()]).toEqual(['id', 'decision', 'expires', 'sig']);
  });

  it.each([
    [
      { id: 'APPROVAL#x', decision: 'approve', expires: '1', sig: 'a'.repeat(64) },
      'id: expected an approval id',
    ],
    [
      { id: params.approvalId, decision: 'maybe', expires: '1', sig: 'a'.repeat(64) },
      'decision: expected one of',
    ],
    [
      { id: params.approvalId, decision: 'approve', expires: 'soon', sig: 'a'.repeat(64) },
      'expires: expected epoch seconds',
    ],
    [
      { id: params.approvalId, decision: 'approve', expires: '1', sig: 'A'.repeat(64) },
      'sig: expected a hex signature',
    ],
  ])('refuses the malformed link fields %j', (fields, problem) => {
    const parsed = safeParseWithMessages(signedLinkSchema, fields, { showInput: false });

    expect(parsed.success).toBe(false);
    expect(describeSchemaProblems(parsed.error?.issues ?? [], { showInput: false }).join('\n')).toContain(
      problem,
    );
  });
});

describe('readSigningKey', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterEach(() => {
    secretsManager.reset();
    clearJsonSecretCache();
  });
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

  it('decodes the base64 key of the secret', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ key: key.toString('base64') }) });

    expect(await readSigningKey(client(), 'lakehouse/test/approval-signing-key')).toEqual(key);
  });

  it('refuses a key shorter than 32 bytes without echoing it', async () => {
    const short = Buffer.alloc(16, 3).toString('base64');
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ key: short }) });

    const error = await expectFailure(
      readSigningKey(client(), 'lakehouse/test/approval-signing-key'),
      'ConfigurationError',
      'the approval signing secret lakehouse/test/approval-signing-key is invalid',
      'key: expected at least 32 bytes, base64-encoded',
    );
    expect(error.message).not.toContain(short);
  });
});
