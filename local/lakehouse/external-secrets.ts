import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { KubeObject, KubeSim } from '../kube-sim/index.ts';

/**
 * The part of the External Secrets Operator the DR side needs: on EKS the operator writes each
 * ExternalSecret's target Secret from AWS Secrets Manager; kube-sim runs no operator, so without
 * this the DR cluster's restore Job waits for a password Secret nobody writes. This loop does what
 * the operator does for plain `data` entries (`remoteRef: {key, property}`): reads the secrets
 * through the Secrets Manager API of the given region (aws-sim) and writes the Secret. An
 * ExternalSecret whose remote secret is missing stays unsynced, as the operator leaves it; templated
 * ones (`dataFrom`) are not synced.
 */
export interface ExternalSecretsSyncOptions {
  readonly kube: KubeSim;
  readonly secretsManager: { readonly endpoint: string; readonly region: string };
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly intervalMs?: number;
}

export interface ExternalSecretsSync {
  stop(): Promise<void>;
}

interface ExternalSecret extends KubeObject {
  readonly spec?: {
    readonly target?: { readonly name?: string };
    readonly data?: readonly {
      readonly secretKey: string;
      readonly remoteRef: { key: string; property?: string };
    }[];
  };
}

const DEFAULT_INTERVAL_MS = 100;

export function startExternalSecretsSync(options: ExternalSecretsSyncOptions): ExternalSecretsSync {
  const client = new SecretsManagerClient({
    endpoint: options.secretsManager.endpoint,
    region: options.secretsManager.region,
    credentials: options.credentials,
    maxAttempts: 1,
  });
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => syncAll(options.kube, client)).catch(() => undefined);
  }, options.intervalMs ?? DEFAULT_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      client.destroy();
    },
  };
}

async function syncAll(kube: KubeSim, client: SecretsManagerClient): Promise<void> {
  for (const external of kube.list<ExternalSecret>('external-secrets.io/v1', 'ExternalSecret')) {
    const target = external.spec?.target?.name ?? external.metadata.name;
    const namespace = external.metadata.namespace;
    const entries = external.spec?.data ?? [];
    if (!target || entries.length === 0 || kube.get('v1', 'Secret', target, namespace)) continue;
    const data: Record<string, string> = {};
    for (const { secretKey, remoteRef } of entries) {
      const value = await remoteValue(client, remoteRef.key, remoteRef.property);
      if (value === undefined) break;
      data[secretKey] = Buffer.from(value).toString('base64');
    }
    if (Object.keys(data).length !== entries.length) continue;
    kube.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: target, namespace },
      type: 'Opaque',
      data,
    });
  }
}

async function remoteValue(
  client: SecretsManagerClient,
  key: string,
  property?: string,
): Promise<string | undefined> {
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: key }));
    if (SecretString === undefined || property === undefined) return SecretString;
    const value = (JSON.parse(SecretString) as Record<string, unknown>)[property];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
