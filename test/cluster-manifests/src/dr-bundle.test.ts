import type { V1CronJob, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { environmentManifests } from '../../../cluster-manifests/src/bundle.ts';
import {
  DR_DATABASE_FILE,
  DR_PREFECT_FILE,
  drEnvironmentManifests,
} from '../../../cluster-manifests/src/dr-bundle.ts';
import { drClusterEnvironment } from '../../../cluster-manifests/src/dr-environment.ts';
import { ENVIRONMENT_NAMES, loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { policyViolations } from '../../../cluster-manifests/src/policy.ts';
import { schemaProblems } from '../support/kubernetes-schemas.ts';

/**
 * The lakehouse for the DR cluster: the same objects as the primary's but for MinIO (its namespace,
 * workloads and credentials), the replica bucket as object store through the `object-store`
 * ConfigMaps, and PostgreSQL in a stage of its own before Prefect's.
 */
const REPLICA = 'lakehouse-ops-staging-replica-123456789012-eu-west-1';
const site = { clusterName: 'lakehouse-staging-dr', region: 'eu-west-1', replicaBucket: REPLICA };
const staging = loadClusterEnvironment('staging');
const dr = drClusterEnvironment(staging, site);
const files = drEnvironmentManifests(dr);
const documents = files.flatMap((file) => file.documents);
const find = <T>(kind: string, namespace: string | undefined, name: string) =>
  documents.find(
    (document) =>
      document.kind === kind && document.metadata.namespace === namespace && document.metadata.name === name,
  ) as (Manifest & T) | undefined;

describe('DR manifests', () => {
  it('keeps the primary in its region with MinIO, the DR cluster in the DR region without it', () => {
    expect(dr).toMatchObject({
      clusterName: site.clusterName,
      region: 'eu-west-1',
      prefectDatabase: 'restored',
    });
    expect(staging.objectStore).toBeUndefined();
    expect(environmentManifests(staging).map((file) => file.file)).toContain('60-minio.yaml');
    expect(files.map((file) => file.file)).toEqual([
      '00-namespaces.yaml',
      '10-rbac.yaml',
      '20-network-policies.yaml',
      '30-storage.yaml',
      '40-external-secrets.yaml',
      DR_DATABASE_FILE,
      DR_PREFECT_FILE,
      '70-s5cmd.yaml',
      '80-monitoring.yaml',
    ]);
  });

  it('has nothing of MinIO: no namespace, no workload, no MinIO credentials', () => {
    const minio = dr.layout.minio.namespace;
    expect(documents.filter((document) => document.metadata.namespace === minio)).toEqual([]);
    expect(find('Namespace', undefined, minio)).toBeUndefined();
    expect(
      documents
        .filter((document) => document.kind === 'ExternalSecret')
        .map((secret) => secret.metadata.name),
    ).toEqual([
      'prefect-postgresql',
      'prefect-server-database',
      'grafana-admin',
      'alertmanager-config',
      'alertmanager-webhook-token',
    ]);
    expect(JSON.stringify(documents)).not.toMatch(/minio-credentials|MINIO_ENDPOINT_URL|minio-root/);
  });

  it('tells the data workloads the DR S3 endpoint and where each MinIO bucket is in the replica', () => {
    const expected = {
      OBJECT_STORE_ENDPOINT_URL: 'https://s3.eu-west-1.amazonaws.com',
      OBJECT_STORE_REGION: 'eu-west-1',
      OBJECT_STORE_CREDENTIALS: 'pod-identity',
      OBJECT_STORE_BUCKET_MAP: JSON.stringify(
        Object.fromEntries(
          staging.backup.sourceBuckets.map((bucket) => [bucket, `s3://${REPLICA}/${bucket}/`]),
        ),
      ),
    };
    for (const namespace of [dr.layout.prefect.namespace, dr.layout.s5cmd.namespace]) {
      expect(find<{ data: unknown }>('ConfigMap', namespace, 'object-store')?.data).toEqual(expected);
    }
    const executor = find<V1CronJob>(
      'CronJob',
      dr.layout.s5cmd.namespace,
      dr.layout.s5cmd.jobTemplateCronJob,
    );
    const pod = executor?.spec?.jobTemplate.spec?.template.spec;
    expect(pod?.containers[0]?.envFrom).toEqual([{ configMapRef: { name: 'object-store' } }]);
    expect(pod?.containers[0]?.env).toEqual([{ name: 'AWS_REGION', value: 'eu-west-1' }]);
    expect(pod?.volumes?.map((volume) => volume.name)).toEqual(['tmp']);
  });

  it('takes another endpoint when the site names one (the local DR S3)', () => {
    const local = drEnvironmentManifests(
      drClusterEnvironment(staging, { ...site, objectStoreEndpoint: 'http://127.0.0.1:4569' }),
    );
    const store = local
      .flatMap((file) => file.documents)
      .find((document) => document.metadata.name === 'object-store');
    expect((store as unknown as { data: Record<string, string> }).data.OBJECT_STORE_ENDPOINT_URL).toBe(
      'http://127.0.0.1:4569',
    );
  });

  it('starts PostgreSQL without the Prefect database, which the restore creates', () => {
    const database = find<V1StatefulSet>('StatefulSet', 'prefect', 'prefect-postgresql');
    const container = database?.spec?.template.spec?.containers[0];
    expect(container?.env?.map((variable) => variable.name)).toEqual([
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'PGDATA',
    ]);
    expect(container?.readinessProbe?.exec?.command).toContain('postgres');
    const primaryDatabase = environmentManifests(staging)
      .flatMap((file) => file.documents)
      .find(
        (document) => document.kind === 'StatefulSet' && document.metadata.name === 'prefect-postgresql',
      ) as (Manifest & V1StatefulSet) | undefined;
    expect(primaryDatabase?.spec?.template.spec?.containers[0]?.env).toContainEqual({
      name: 'POSTGRES_DB',
      value: staging.backup.postgres.database,
    });
  });

  it.each(ENVIRONMENT_NAMES)('passes the policy and the Kubernetes schemas for %s', async (name) => {
    const environment = drClusterEnvironment(loadClusterEnvironment(name), {
      ...site,
      region: 'ap-southeast-2',
    });
    const all = drEnvironmentManifests(environment).flatMap((file) => file.documents);
    expect(policyViolations(all)).toEqual([]);
    const problems: string[] = [];
    for (const document of all) {
      for (const problem of await schemaProblems(document as unknown as Record<string, unknown>)) {
        problems.push(
          `${document.kind} ${document.metadata.namespace ?? ''}/${document.metadata.name}: ${problem}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses a DR site in the primary region, and a primary environment as DR', () => {
    expect(() => drClusterEnvironment(staging, { ...site, region: staging.region })).toThrow(
      `the DR site's region ${staging.region} is the primary's: the DR cluster must run in drRegion`,
    );
    expect(() => drEnvironmentManifests(staging)).toThrow(
      'drEnvironmentManifests needs a DR environment (drClusterEnvironment): staging has no objectStore and prefectDatabase created',
    );
  });
});
