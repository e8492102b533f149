import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_REPOSITORY_PREFIXES,
  requiredImages,
} from '../../../functions/core/dr/failover/gates/image-references.ts';
import { imagesInDrRegionGate } from '../../../functions/core/dr/failover/gates/images-in-dr-region.ts';
import { type AwsSim, LOCAL_ACCOUNT_ID, startAwsSim } from '../../../local/aws-sim/server.ts';
import { drRegionImageRepositories } from '../../../local/lakehouse/dr-side.ts';

const DR_REGION = 'eu-west-1';
const PRIMARY_REGION = 'eu-central-1';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

describe('aws-sim ECR', () => {
  let sim: AwsSim;
  const ecrIn = (region: string) => new ECRClient({ region, credentials, endpoint: sim.url, maxAttempts: 1 });

  beforeAll(async () => {
    sim = await startAwsSim({
      region: PRIMARY_REGION,
      ecrRepositories: [
        { region: DR_REGION, repositoryName: 'quay/minio/minio', tags: ['RELEASE.2025-01-01'] },
      ],
    });
  });
  afterAll(() => sim.stop());

  it('describes a seeded image by tag, then by the digest it reported', async () => {
    const ecr = ecrIn(DR_REGION);
    const { imageDetails } = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'quay/minio/minio',
        imageIds: [{ imageTag: 'RELEASE.2025-01-01' }],
      }),
    );
    expect(imageDetails).toHaveLength(1);
    const [image] = imageDetails ?? [];
    expect(image).toMatchObject({
      registryId: LOCAL_ACCOUNT_ID,
      repositoryName: 'quay/minio/minio',
      imageTags: ['RELEASE.2025-01-01'],
      imageDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(image?.imagePushedAt).toBeInstanceOf(Date);
    const byDigest = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: 'quay/minio/minio',
        imageIds: [{ imageDigest: image?.imageDigest }],
      }),
    );
    expect(byDigest.imageDetails?.[0]?.imageTags).toEqual(['RELEASE.2025-01-01']);
  });

  it('answers ImageNotFoundException for a tag the repository lacks, as ECR does', async () => {
    await expect(
      ecrIn(DR_REGION).send(
        new DescribeImagesCommand({ repositoryName: 'quay/minio/minio', imageIds: [{ imageTag: 'latest' }] }),
      ),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
  });

  it('keeps registries apart by region and by account: the primary region has no such repository', async () => {
    const describe = (region: string, registryId?: string) =>
      ecrIn(region).send(
        new DescribeImagesCommand({
          repositoryName: 'quay/minio/minio',
          ...(registryId ? { registryId } : {}),
        }),
      );
    await expect(describe(PRIMARY_REGION)).rejects.toBeInstanceOf(RepositoryNotFoundException);
    await expect(describe(DR_REGION, '123456789012')).rejects.toBeInstanceOf(RepositoryNotFoundException);
    expect((await describe(DR_REGION, LOCAL_ACCOUNT_ID)).imageDetails).toHaveLength(1);
  });

  it('returns the manifest of a found image and a failure for a missing one in BatchGetImage', async () => {
    const { images, failures } = await ecrIn(DR_REGION).send(
      new BatchGetImageCommand({
        repositoryName: 'quay/minio/minio',
        imageIds: [{ imageTag: 'RELEASE.2025-01-01' }, { imageTag: 'missing' }],
      }),
    );
    expect(images).toHaveLength(1);
    expect(JSON.parse(images?.[0]?.imageManifest ?? '{}')).toMatchObject({ schemaVersion: 2 });
    expect(failures).toEqual([
      {
        imageId: { imageTag: 'missing' },
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found',
      },
    ]);
  });

  it("refuses an unsigned request: the region is the signature's", async () => {
    const response = await fetch(sim.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeImages',
      },
      body: JSON.stringify({ repositoryName: 'quay/minio/minio' }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});

describe('drRegionImageRepositories', () => {
  it('seeds exactly what the images gate asks the DR region for, so the gate passes', async () => {
    const sim = await startAwsSim({
      region: PRIMARY_REGION,
      ecrRepositories: drRegionImageRepositories(DR_REGION),
    });
    const ecr = new ECRClient({ region: DR_REGION, credentials, endpoint: sim.url, maxAttempts: 1 });
    try {
      const verdict = await imagesInDrRegionGate({
        ecr,
        images: requiredImages(),
        prefixes: DEFAULT_REPOSITORY_PREFIXES,
      });
      expect(verdict.detail).toMatch(/^all \d+ images the DR cluster runs are in the DR region's ECR$/);
      expect(verdict.passed).toBe(true);
      // A registry without one of them fails the gate, naming it.
      const [first, ...rest] = drRegionImageRepositories(DR_REGION);
      const partial = await startAwsSim({ region: PRIMARY_REGION, ecrRepositories: rest });
      const partialEcr = new ECRClient({
        region: DR_REGION,
        credentials,
        endpoint: partial.url,
        maxAttempts: 1,
      });
      try {
        const failed = await imagesInDrRegionGate({
          ecr: partialEcr,
          images: requiredImages(),
          prefixes: DEFAULT_REPOSITORY_PREFIXES,
        });
        expect(failed.passed).toBe(false);
        expect(failed.detail).toContain(`repository ${first?.repositoryName} does not exist`);
      } finally {
        partialEcr.destroy();
        await partial.stop();
      }
    } finally {
      ecr.destroy();
      await sim.stop();
    }
  });
});
