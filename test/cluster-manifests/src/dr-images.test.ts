import { describe, expect, it } from 'vitest';
import { environmentManifests } from '../../../cluster-manifests/src/bundle.ts';
import { drEnvironmentManifests } from '../../../cluster-manifests/src/dr-bundle.ts';
import { drClusterEnvironment } from '../../../cluster-manifests/src/dr-environment.ts';
import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { pulledFrom } from '../../../cluster-manifests/src/image-registry.ts';
import { IMAGES } from '../../../cluster-manifests/src/images.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { podTemplateOf, policyViolations } from '../../../cluster-manifests/src/policy.ts';
import { drSiteFrom } from '../../../functions/core/dr/bring-up/settings.ts';
import {
  DEFAULT_REPOSITORY_PREFIXES,
  drImageReference,
  ecrRepositoryOf,
  parseImageReference,
} from '../../../functions/core/dr/failover/gates/image-references.ts';

/**
 * The DR manifests pull every image from the DR region's ECR, through the pull-through cache
 * prefixes the images gate checks (one mapping: image-references.ts).
 */
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const registry = { registryId: ACCOUNT, region: REGION, prefixes: DEFAULT_REPOSITORY_PREFIXES };
const staging = loadClusterEnvironment('staging');
const site = { clusterName: 'lakehouse-staging-dr', region: REGION, replicaBucket: 'replica' };

function imagesOf(documents: readonly Manifest[]): string[] {
  return documents.flatMap((document) => {
    const pod = podTemplateOf(document)?.template.spec;
    return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].map(
      (container) => container.image ?? '',
    );
  });
}

const drDocuments = (imageRegistry?: typeof registry) =>
  drEnvironmentManifests(
    drClusterEnvironment(staging, { ...site, ...(imageRegistry ? { imageRegistry } : {}) }),
  ).flatMap((file) => file.documents);

describe('DR image references', () => {
  it('maps each registry to its pull-through prefix, keeping the tag', () => {
    expect(drImageReference(IMAGES.postgresql, registry)).toBe(
      `${HOST}/docker-hub/library/postgres:15.8-bookworm`,
    );
    expect(drImageReference(IMAGES.prefect, registry)).toBe(
      `${HOST}/docker-hub/prefecthq/prefect:3.1.15-python3.12`,
    );
    expect(drImageReference(IMAGES.prometheus, registry)).toBe(`${HOST}/quay/prometheus/prometheus:v2.55.1`);
    expect(drImageReference(IMAGES.kubeStateMetrics, registry)).toBe(
      `${HOST}/k8s/kube-state-metrics/kube-state-metrics:v2.14.0`,
    );
    expect(drImageReference('ghcr.io/org/tool:1.0@sha256:abc', registry)).toBe(
      `${HOST}/github/org/tool@sha256:abc`,
    );
  });

  it('keeps an image already in ECR in its repository, and refuses a registry without a rule', () => {
    expect(drImageReference(`${HOST}/team/tool:2.1`, registry)).toBe(`${HOST}/team/tool:2.1`);
    expect(() => drImageReference('mirror.invalid/team/tool:2.1', registry)).toThrow(
      'image "mirror.invalid/team/tool:2.1" comes from mirror.invalid, which has no pull-through cache rule in the DR registry: expected one of docker.io, quay.io, registry.k8s.io, ghcr.io (or an ECR reference)',
    );
  });

  it('rewrites every container of the DR manifests to the repository the images gate checks', () => {
    const upstream = imagesOf(drDocuments());
    const pulled = imagesOf(drDocuments(registry));
    expect(pulled).toHaveLength(upstream.length);
    expect(upstream.length).toBeGreaterThan(0);
    upstream.forEach((image, index) => {
      const reference = parseImageReference(image);
      const repository = ecrRepositoryOf(reference, DEFAULT_REPOSITORY_PREFIXES);
      expect(pulled[index]).toBe(`${HOST}/${repository}:${reference.tag}`);
    });
    expect(pulled.every((image) => image.startsWith(`${HOST}/`))).toBe(true);
    expect(policyViolations(drDocuments(registry))).toEqual([]);
  });

  it('leaves the primary manifests and the objects it was given untouched', () => {
    const primary = environmentManifests(staging).flatMap((file) => file.documents);
    const before = JSON.stringify(primary);
    const copies = primary.map((document) => pulledFrom(document, registry));
    expect(JSON.stringify(primary)).toBe(before);
    expect(imagesOf(copies).every((image) => image.startsWith(`${HOST}/`))).toBe(true);
    expect(imagesOf(primary).some((image) => image.startsWith(HOST))).toBe(false);
  });

  it('takes the registry from the bring-up environment: the account and the gate’s prefixes', () => {
    const env = { DR_CLUSTER_NAME: site.clusterName, DR_REGION: REGION, REPLICA_BUCKET_NAME: 'replica' };
    expect(drSiteFrom(env).imageRegistry).toBeUndefined();
    expect(
      drSiteFrom({
        ...env,
        DR_ECR_REGISTRY_ID: ACCOUNT,
        DR_IMAGE_REPOSITORY_PREFIXES: '{"quay.io":"mirror-quay"}',
      }).imageRegistry,
    ).toEqual({
      registryId: ACCOUNT,
      region: REGION,
      prefixes: { ...DEFAULT_REPOSITORY_PREFIXES, 'quay.io': 'mirror-quay' },
    });
  });
});
