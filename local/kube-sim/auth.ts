import { apiErrors } from './errors.ts';

/**
 * Bearer-token authentication: a static token list for tests, and EKS tokens
 * (`k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity URL). Nothing can verify the
 * SigV4 signature offline, so an EKS token is checked for everything else aws-iam-authenticator
 * checks: an https STS host, the action, the signed x-k8s-aws-id header, and that it has not expired.
 */
export interface Identity {
  user: string;
  /** The user's groups, system:authenticated always among them (the API server adds it). */
  groups: string[];
  method: 'static' | 'eks';
  /** The access key that presigned an EKS token (X-Amz-Credential), for the audit trail. */
  accessKeyId?: string;
}

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
const STS_HOST = /^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** How long EKS accepts a token after its X-Amz-Date. */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** Clock skew tolerated for an X-Amz-Date in the future, as STS allows. */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Who a static token authenticates: a user name alone, or a user and its groups. */
export type StaticTokenUser = string | { user: string; groups?: readonly string[] };

const AUTHENTICATED_GROUP = 'system:authenticated';

function withAuthenticatedGroup(groups: readonly string[]): string[] {
  return groups.includes(AUTHENTICATED_GROUP) ? [...groups] : [...groups, AUTHENTICATED_GROUP];
}

export class Authenticator {
  constructor(
    private readonly staticTokens: ReadonlyMap<string, StaticTokenUser>,
    private readonly clock: () => Date,
  ) {}

  authenticate(authorization: string | undefined): Identity {
    if (!authorization) throw apiErrors.unauthorized('no Authorization header; expected "Bearer <token>"');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw apiErrors.unauthorized('the Authorization header is not of the form "Bearer <token>"');
    const token = match[1]!;
    const staticUser = this.staticTokens.get(token);
    if (typeof staticUser === 'string')
      return { user: staticUser, groups: withAuthenticatedGroup([]), method: 'static' };
    if (staticUser)
      return {
        user: staticUser.user,
        groups: withAuthenticatedGroup(staticUser.groups ?? []),
        method: 'static',
      };
    if (token.startsWith(EKS_TOKEN_PREFIX)) return this.verifyEksToken(token.slice(EKS_TOKEN_PREFIX.length));
    throw apiErrors.unauthorized(
      'the bearer token is neither a known static token nor an EKS token (k8s-aws-v1.<base64url presigned STS URL>)',
    );
  }

  private verifyEksToken(encoded: string): Identity {
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw apiErrors.unauthorized('EKS token payload is not base64url');
    let url: URL;
    try {
      url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
    } catch {
      throw apiErrors.unauthorized('EKS token payload does not decode to a URL');
    }
    if (url.protocol !== 'https:')
      throw apiErrors.unauthorized(`EKS token URL must use https, got ${url.protocol}`);
    if (!STS_HOST.test(url.hostname))
      throw apiErrors.unauthorized(
        `EKS token URL host ${url.hostname} is not an STS endpoint (sts[.<region>].amazonaws.com)`,
      );
    const query = new Map([...url.searchParams.entries()].map(([key, value]) => [key.toLowerCase(), value]));
    if (query.get('action') !== 'GetCallerIdentity')
      throw apiErrors.unauthorized('EKS token URL must have Action=GetCallerIdentity');
    const signedHeaders = (query.get('x-amz-signedheaders') ?? '').toLowerCase().split(';');
    if (!signedHeaders.includes('x-k8s-aws-id'))
      throw apiErrors.unauthorized('EKS token X-Amz-SignedHeaders must include x-k8s-aws-id');
    if (!query.get('x-amz-signature')) throw apiErrors.unauthorized('EKS token URL has no X-Amz-Signature');
    const credential = query.get('x-amz-credential');
    if (!credential) throw apiErrors.unauthorized('EKS token URL has no X-Amz-Credential');
    this.checkLifetime(query.get('x-amz-date'), query.get('x-amz-expires'));
    const accessKeyId = credential.split('/')[0] ?? '';
    // EKS maps the role to its access entry's groups; offline there is no role, so no groups.
    return { user: `aws-iam:${accessKeyId}`, groups: withAuthenticatedGroup([]), method: 'eks', accessKeyId };
  }

  /**
   * EKS accepts a token for 15 minutes after X-Amz-Date whatever X-Amz-Expires says (clients
   * presign with 60 s, as aws-iam-authenticator does, and cache the token for ~14 minutes), so the
   * lifetime is the longer of the two. X-Amz-Expires must still be there and be sensible.
   */
  private checkLifetime(date: string | undefined, expires: string | undefined): void {
    const parts = AMZ_DATE.exec(date ?? '');
    if (!parts)
      throw apiErrors.unauthorized(
        `EKS token X-Amz-Date "${date ?? ''}" is not of the form YYYYMMDDTHHMMSSZ`,
      );
    const signedAt = Date.UTC(
      Number(parts[1]),
      Number(parts[2]) - 1,
      Number(parts[3]),
      Number(parts[4]),
      Number(parts[5]),
      Number(parts[6]),
    );
    const seconds = Number(expires);
    if (!expires || !Number.isInteger(seconds) || seconds <= 0) {
      throw apiErrors.unauthorized(
        `EKS token X-Amz-Expires "${expires ?? ''}" must be a positive number of seconds`,
      );
    }
    const now = this.clock().getTime();
    const expiresAt = signedAt + Math.max(seconds * 1000, EKS_TOKEN_LIFETIME_MS);
    if (now > expiresAt)
      throw apiErrors.unauthorized(`EKS token expired at ${new Date(expiresAt).toISOString()}`);
    if (signedAt - now > MAX_FUTURE_SKEW_MS)
      throw apiErrors.unauthorized(`EKS token X-Amz-Date ${date} is in the future`);
  }
}

/** Builds an (unsigned) EKS-shaped token; for tests and the local lakehouse, which have no AWS credentials. */
export function eksToken(
  options: { region?: string; signedAt?: Date; expiresSeconds?: number; accessKeyId?: string } = {},
): string {
  const region = options.region ?? 'us-east-1';
  const signedAt = options.signedAt ?? new Date();
  const amzDate = signedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const params = new URLSearchParams({
    Action: 'GetCallerIdentity',
    Version: '2011-06-15',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${options.accessKeyId ?? 'AKIAKUBESIM'}/${amzDate.slice(0, 8)}/${region}/sts/aws4_request`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(options.expiresSeconds ?? 60),
    'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    'X-Amz-Signature': '0'.repeat(64),
  });
  const url = `https://sts.${region}.amazonaws.com/?${params.toString()}`;
  return `${EKS_TOKEN_PREFIX}${Buffer.from(url).toString('base64url')}`;
}
