import type { IClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore';
import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import type { ClusterEnvironment } from './environments.ts';
import { postgresLocation } from './identities.ts';
import type { Manifest } from './manifest.ts';
import { platformMeta } from './metadata.ts';
import { lakehouseNamespaces } from './namespaces.ts';
import { platformSecretName } from './secret-names.ts';

/**
 * Credentials reach the cluster only through External Secrets: each Kubernetes Secret below is
 * written by the External Secrets Operator from an AWS Secrets Manager secret, so the repository
 * holds names and never a value. The operator reads with its own IAM role (EKS Pod Identity, from
 * the ClusterStack), which may read `lakehouse/<environment>/*` only.
 */
export const SECRET_STORE = 'aws-secrets-manager';

/** The Kubernetes Secrets the workloads mount (besides PostgreSQL's, whose name is in infra config). */
export const SECRETS = {
  prefectDatabase: 'prefect-server-database',
  prefectMinio: 'prefect-minio-credentials',
  minioRoot: 'minio-root-credentials',
  s5cmdMinio: 's5cmd-minio-credentials',
  grafanaAdmin: 'grafana-admin',
  alertmanagerConfig: 'alertmanager-config',
  /** The alert webhook's bearer token alone, mounted as a file (alertmanager.yml does not hold it). */
  alertmanagerWebhookToken: 'alertmanager-webhook-token',
} as const;

/** The ConfigMap holding alertmanager.yml as a template; External Secrets fills in the webhook secret. */
export const ALERTMANAGER_CONFIG_TEMPLATE = 'alertmanager-config-template';

interface SecretFromStore {
  readonly namespace: string;
  readonly name: string;
  readonly remoteKey: string;
  /** Kubernetes Secret key -> JSON property of the Secrets Manager secret. */
  readonly properties?: Record<string, string>;
  /** Keys rendered from the remote secret's properties (Go templates, External Secrets engine v2). */
  readonly template?: Record<string, string>;
  readonly templateFromConfigMap?: { name: string; key: string };
}

function externalSecret(secret: SecretFromStore): Manifest {
  const templated = secret.template !== undefined || secret.templateFromConfigMap !== undefined;
  const object: IExternalSecret & Manifest = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: platformMeta(secret.name, secret.namespace),
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE },
      target: {
        name: secret.name,
        creationPolicy: 'Owner',
        // Deleting the ExternalSecret (or the store failing) must not delete a Secret a running
        // database or object store still needs.
        deletionPolicy: 'Retain',
        ...(templated
          ? {
              template: {
                engineVersion: 'v2',
                ...(secret.template ? { data: secret.template } : {}),
                ...(secret.templateFromConfigMap
                  ? {
                      templateFrom: [
                        {
                          configMap: {
                            name: secret.templateFromConfigMap.name,
                            items: [{ key: secret.templateFromConfigMap.key, templateAs: 'Values' }],
                          },
                        },
                      ],
                    }
                  : {}),
              },
            }
          : {}),
      },
      // Templated secrets take the whole JSON secret (its properties become template values).
      ...(templated
        ? { dataFrom: [{ extract: { key: secret.remoteKey } }] }
        : {
            data: Object.entries(secret.properties ?? {}).map(([secretKey, property]) => ({
              secretKey,
              remoteRef: { key: secret.remoteKey, property },
            })),
          }),
    },
  };
  return object;
}

function clusterSecretStore(environment: ClusterEnvironment): Manifest {
  const store: IClusterSecretStore & Manifest = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: platformMeta(SECRET_STORE),
    spec: {
      provider: { aws: { service: 'SecretsManager', region: environment.region } },
      // Only the lakehouse namespaces may pull through this store.
      conditions: [{ namespaces: lakehouseNamespaces(environment) }],
    },
  };
  return store;
}

/** Every secret the platform needs, by namespace, with its Secrets Manager source. */
export function platformSecrets(environment: ClusterEnvironment): SecretFromStore[] {
  const { prefect, minio, s5cmd, monitoring } = environment.layout;
  const postgres = postgresLocation(environment);
  const { user, database } = environment.backup.postgres;
  const postgresSecret = platformSecretName(environment, 'prefect-postgresql');
  const minioCredentials = environment.minioCredentialsSecretName;
  return [
    {
      namespace: postgres.namespace,
      name: postgres.passwordSecret.name,
      remoteKey: postgresSecret,
      properties: { [postgres.passwordSecret.key]: 'password' },
    },
    {
      namespace: prefect.namespace,
      name: SECRETS.prefectDatabase,
      remoteKey: postgresSecret,
      // The password is generated without spaces (Secrets Manager's default), so urlquery escapes
      // every character that could break the URL's user-info part.
      template: {
        'connection-url': `postgresql+asyncpg://${user}:{{ .password | urlquery }}@${postgres.service}.${postgres.namespace}.svc:5432/${database}`,
      },
    },
    {
      namespace: prefect.namespace,
      name: SECRETS.prefectMinio,
      remoteKey: minioCredentials,
      properties: { AWS_ACCESS_KEY_ID: 'accessKeyId', AWS_SECRET_ACCESS_KEY: 'secretAccessKey' },
    },
    {
      namespace: minio.namespace,
      name: SECRETS.minioRoot,
      remoteKey: platformSecretName(environment, 'minio-root'),
      properties: { MINIO_ROOT_USER: 'user', MINIO_ROOT_PASSWORD: 'password' },
    },
    {
      namespace: s5cmd.namespace,
      name: SECRETS.s5cmdMinio,
      remoteKey: minioCredentials,
      // A shared-credentials profile, so one s5cmd process can read MinIO (--profile minio) while
      // its default credentials (EKS Pod Identity) write to S3.
      template: {
        credentials:
          '[minio]\naws_access_key_id = {{ .accessKeyId }}\naws_secret_access_key = {{ .secretAccessKey }}\n',
      },
    },
    {
      namespace: monitoring.namespace,
      name: SECRETS.grafanaAdmin,
      remoteKey: platformSecretName(environment, 'grafana-admin'),
      properties: { 'admin-user': 'user', 'admin-password': 'password' },
    },
    {
      namespace: monitoring.namespace,
      name: SECRETS.alertmanagerConfig,
      remoteKey: platformSecretName(environment, 'alertmanager-webhook'),
      templateFromConfigMap: { name: ALERTMANAGER_CONFIG_TEMPLATE, key: 'alertmanager.yml' },
    },
    {
      namespace: monitoring.namespace,
      name: SECRETS.alertmanagerWebhookToken,
      remoteKey: platformSecretName(environment, 'alertmanager-webhook'),
      properties: { token: 'token' },
    },
  ];
}

export function externalSecrets(environment: ClusterEnvironment): Manifest[] {
  return [clusterSecretStore(environment), ...platformSecrets(environment).map(externalSecret)];
}
