import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { IMAGES } from '../../../../../../cluster-manifests/src/images.ts';
import {
  DEFAULT_REPOSITORY_PREFIXES,
  ecrRepositoryOf,
  parseImageReference,
  requiredImages,
} from '../../../../../../functions/core/dr/failover/gates/image-references.ts';
import { imagesInDrRegionGate } from '../../../../../../functions/core/dr/failover/gates/images-in-dr-region.ts';

const notFound = (name: string) => Object.assign(new Error(`${name} in the DR registry`), { name });

describe('image references', () => {
  it.each([
    ['postgres:15.8-bookworm', 'docker-hub/library/postgres', { tag: '15.8-bookworm' }],
    ['prefecthq/prefect:3.1.15-python3.12', 'docker-hub/prefecthq/prefect', { tag: '3.1.15-python3.12' }],
    [
      'quay.io/minio/minio:RELEASE.2025-01-20T14-49-07Z',
      'quay/minio/minio',
      { tag: 'RELEASE.2025-01-20T14-49-07Z' },
    ],
    [
      'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0',
      'k8s/kube-state-metrics/kube-state-metrics',
      { tag: 'v2.14.0' },
    ],
    [
      `grafana/grafana@sha256:${'a'.repeat(64)}`,
      'docker-hub/grafana/grafana',
      { digest: `sha256:${'a'.repeat(64)}` },
    ],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/lakehouse/tools:1.0', 'lakehouse/tools', { tag: '1.0' }],
  ])('maps %s to the DR repository %s', (image, repository, pin) => {
    const reference = parseImageReference(image);

    expect(reference).toMatchObject(pin);
    expect(ecrRepositoryOf(reference, DEFAULT_REPOSITORY_PREFIXES)).toBe(repository);
  });

  it('covers every image of the manifests and the pg-tools Jobs, each with a pull-through rule', () => {
    const images = requiredImages();

    expect(images).toEqual(expect.arrayContaining(Object.values(IMAGES)));
    expect(images.some((image) => image.includes('/pg-tools:'))).toBe(true);
    for (const image of images) {
      expect(ecrRepositoryOf(parseImageReference(image), DEFAULT_REPOSITORY_PREFIXES)).toBeDefined();
    }
  });

  it('refuses an unpinned reference, saying what a pinned one looks like', () => {
    expect(() => parseImageReference('quay.io/minio/minio')).toThrow(
      'image "quay.io/minio/minio" is not a pinned image reference: expected [<registry>/]<repository>:<tag> or @sha256:<digest>',
    );
  });
});

describe('images-in-dr-region gate', () => {
  const ecr = new ECRClient({ region: 'eu-central-1' });
  const ecrMock = mockClient(ecr);
  const images = ['postgres:15.8-bookworm', 'quay.io/minio/minio:RELEASE.2025-01-20T14-49-07Z'];
  const gate = (list = images, prefixes = DEFAULT_REPOSITORY_PREFIXES) =>
    imagesInDrRegionGate({ ecr, images: list, prefixes, registryId: '210987654321' });

  beforeEach(() => {
    ecrMock.reset();
    ecrMock
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imagePushedAt: new Date('2026-02-01T00:00:00Z') }] });
  });

  it('passes when every image is in the DR registry, asking for each exact tag', async () => {
    const verdict = await gate();

    expect(verdict).toMatchObject({
      gate: 'images-in-dr-region',
      passed: true,
      detail: "all 2 images the DR cluster runs are in the DR region's ECR",
      evidence: { measured: 0, limit: 0 },
    });
    expect(ecrMock).toHaveReceivedCommandWith(DescribeImagesCommand, {
      registryId: '210987654321',
      repositoryName: 'quay/minio/minio',
      imageIds: [{ imageTag: 'RELEASE.2025-01-20T14-49-07Z' }],
    });
  });

  it('fails naming the image whose tag is missing and the repository that does not exist', async () => {
    ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'docker-hub/library/postgres' })
      .rejects(notFound('ImageNotFoundException'))
      .on(DescribeImagesCommand, { repositoryName: 'quay/minio/minio' })
      .rejects(notFound('RepositoryNotFoundException'));

    const verdict = await gate();

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toBe(
      "2 of 2 images are not in the DR region's ECR (postgres:15.8-bookworm: not in docker-hub/library/postgres; quay.io/minio/minio:RELEASE.2025-01-20T14-49-07Z: repository quay/minio/minio does not exist): pull them through the DR registry before failing over",
    );
    expect(verdict.evidence).toMatchObject({
      measured: 2,
      images: [
        { image: 'postgres:15.8-bookworm', presence: 'missing' },
        { image: images[1], presence: 'no-repository' },
      ],
    });
  });

  it('fails for an image whose registry has no pull-through rule', async () => {
    const verdict = await gate(['quay.io/minio/minio:RELEASE.2025-01-20T14-49-07Z'], {
      'docker.io': 'docker-hub',
    });

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toContain('no pull-through cache rule covers its registry');
    expect(ecrMock).not.toHaveReceivedCommand(DescribeImagesCommand);
  });

  it('fails as "could not be evaluated" when ECR refuses the call', async () => {
    ecrMock.on(DescribeImagesCommand).rejects(notFound('AccessDeniedException'));

    const verdict = await gate();

    expect(verdict).toMatchObject({
      passed: false,
      detail: expect.stringMatching(
        /^the images-in-dr-region gate could not be evaluated: AccessDeniedException/,
      ),
      evidence: { measured: null, limit: 0 },
    });
  });
});
