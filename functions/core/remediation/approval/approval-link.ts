import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { readJsonSecret } from '../../../commons/json-secret.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * The approve and reject links of an approval notification:
 * `<APPROVAL_URL>?id=<approvalId>&decision=approve&expires=<epoch seconds>&sig=<hex>`, where `sig`
 * is the HMAC-SHA256 of id, decision and expiry under the signing key. Whoever holds a link may
 * take exactly that decision on exactly that approval until it expires; nothing else is
 * authorised by it. The link carries no secret of its own, so the notification can go through
 * e-mail and chat; the key never leaves Secrets Manager and the two Lambdas.
 */
export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export interface ApprovalLinkParams {
  readonly approvalId: string;
  readonly decision: ApprovalDecision;
  /** Epoch seconds after which the link no longer decides anything. */
  readonly expiresAt: number;
}

/** Below this many bytes an HMAC-SHA256 key is weaker than the hash it keys. */
export const MIN_SIGNING_KEY_BYTES = 32;

const SIGNATURE_HEX_LENGTH = 64;

/** The secret `APPROVAL_SIGNING_SECRET_ID` holds `{ "key": "<base64>" }`. */
export const signingSecretSchema = z.object({
  key: nonEmptyString().check(
    z.refine(
      (key) => Buffer.from(key, 'base64').length >= MIN_SIGNING_KEY_BYTES,
      `expected at least ${MIN_SIGNING_KEY_BYTES} bytes, base64-encoded`,
    ),
  ),
});

/** A rotated key takes effect within this time; links signed with the old key then stop working. */
export const SIGNING_KEY_CACHE_MILLISECONDS = 5 * 60_000;

const signingSecret = {
  what: 'the approval signing secret',
  expected: '{"key": "<at least 32 bytes, base64>"}',
  schema: signingSecretSchema,
  maxAgeMs: SIGNING_KEY_CACHE_MILLISECONDS,
};

export async function readSigningKey(
  secretsManager: SecretsManagerClient,
  secretId: string,
): Promise<Buffer> {
  const { key } = await readJsonSecret(secretsManager, secretId, signingSecret);
  return Buffer.from(key, 'base64');
}

export function signApprovalLink(key: Buffer, params: ApprovalLinkParams): string {
  // Newline-separated: no field can contain one (the id is checked), so no two inputs collide.
  return createHmac('sha256', key)
    .update(`${params.approvalId}\n${params.decision}\n${params.expiresAt}`)
    .digest('hex');
}

export function approvalLink(baseUrl: string, key: Buffer, params: ApprovalLinkParams): string {
  const url = new URL(baseUrl);
  url.searchParams.set('id', params.approvalId);
  url.searchParams.set('decision', params.decision);
  url.searchParams.set('expires', String(params.expiresAt));
  url.searchParams.set('sig', signApprovalLink(key, params));
  return url.toString();
}

/** Constant time in the signature: a guess learns nothing from how long the refusal took. */
export function hasValidSignature(key: Buffer, params: ApprovalLinkParams, signature: string): boolean {
  const given = Buffer.from(signature, 'hex');
  const expected = Buffer.from(signApprovalLink(key, params), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** An approval id: what request-approval generates (a UUID), checked before it reaches a key. */
export const approvalIdSchema = z
  .string()
  .check(z.regex(/^[0-9a-f-]{36}$/, 'expected an approval id (a UUID)'));

export const signedLinkSchema = z.object({
  id: approvalIdSchema,
  decision: z.enum(APPROVAL_DECISIONS),
  expires: z.string().check(z.regex(/^\d{1,12}$/, 'expected epoch seconds')),
  sig: z
    .string()
    .check(z.regex(new RegExp(`^[0-9a-f]{${SIGNATURE_HEX_LENGTH}}$`), 'expected a hex signature')),
});

export interface SignedLink extends ApprovalLinkParams {
  readonly signature: string;
}

export function signedLinkOf(fields: z.output<typeof signedLinkSchema>): SignedLink {
  return {
    approvalId: fields.id,
    decision: fields.decision,
    expiresAt: Number(fields.expires),
    signature: fields.sig,
  };
}
