import { randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  epochSeconds,
  jsonResponse,
  parseJsonBody,
  requireString,
  type SimRequest,
  type SimResponse,
} from './http.ts';

/** Secrets Manager GetSecretValue over the JSON 1.1 protocol, for seeded secrets only. */

export interface SeededSecret {
  readonly name: string;
  /** Stored as SecretString; objects are serialized to JSON the way applications store credentials. */
  readonly value: string | Record<string, unknown>;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly versionId: string;
  readonly secretString: string;
  readonly createdAt: Date;
}

const TARGET_PREFIX = 'secretsmanager.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export class SecretsManagerSimulator {
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(region: string, accountId: string, seeded: readonly SeededSecret[]) {
    for (const { name, value } of seeded) {
      // Real ARNs end in a random 6-character suffix; callers may address a secret by name or ARN.
      const arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${randomUUID().slice(0, 6)}`;
      const secretString = typeof value === 'string' ? value : JSON.stringify(value);
      const secret = { name, arn, versionId: randomUUID(), secretString, createdAt: new Date() };
      this.secrets.set(name, secret);
      this.secrets.set(arn, secret);
    }
  }

  handles(request: SimRequest): boolean {
    return String(request.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX);
  }

  handle(request: SimRequest): SimResponse {
    const operation = String(request.headers['x-amz-target']).slice(TARGET_PREFIX.length);
    if (operation !== 'GetSecretValue') {
      throw new AwsServiceError(
        'UnknownOperationException',
        `aws-sim Secrets Manager does not implement ${operation}`,
        400,
      );
    }
    const body = parseJsonBody(request);
    const secretId = requireString(body, 'SecretId');
    const secret = this.secrets.get(secretId);
    if (!secret) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
        400,
      );
    }
    const stage = body.VersionStage ?? 'AWSCURRENT';
    if (stage !== 'AWSCURRENT' || (body.VersionId !== undefined && body.VersionId !== secret.versionId)) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for the requested version or staging label.",
        400,
      );
    }
    return jsonResponse(
      200,
      {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: epochSeconds(secret.createdAt),
      },
      CONTENT_TYPE,
    );
  }
}

export function renderJsonProtocolError(error: AwsServiceError): SimResponse {
  return jsonResponse(error.status, { __type: error.code, message: error.message }, CONTENT_TYPE);
}
