import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { callAws } from '../../../../commons/transient-errors.ts';
import {
  ecrRepositoryOf,
  type ImageReference,
  parseImageReference,
  type RepositoryPrefixes,
} from './image-references.ts';
import { evaluateGate, type GateVerdict } from './verdict.ts';

/**
 * Every image the DR cluster will run is already in the DR region's ECR (see ./image-references.ts
 * for how an upstream reference maps to a DR repository): one DescribeImages per image, asking for
 * its exact tag or digest.
 */
export interface ImagesGateDependencies {
  /** An ECR client of the DR region. */
  ecr: ECRClient;
  images: readonly string[];
  prefixes: RepositoryPrefixes;
  /** The account of the DR registry; the caller's own when unset. */
  registryId?: string;
}

export type ImagePresence = 'present' | 'missing' | 'no-repository' | 'no-pull-through-rule';

export interface ImageCheck {
  image: string;
  repository: string | null;
  presence: ImagePresence;
  pushedAt?: string;
}

const UNIT = 'images missing in the DR region';

export function imagesInDrRegionGate(dependencies: ImagesGateDependencies): Promise<GateVerdict> {
  return evaluateGate('images-in-dr-region', { limit: 0, unit: UNIT }, async () => {
    const checks = await Promise.all(
      dependencies.images.map((image) => checkImage(dependencies, parseImageReference(image))),
    );
    const absent = checks.filter((check) => check.presence !== 'present');
    const passed = absent.length === 0;
    return {
      passed,
      detail: passed
        ? `all ${checks.length} images the DR cluster runs are in the DR region's ECR`
        : `${absent.length} of ${checks.length} images are not in the DR region's ECR (${absent.map(describeAbsence).join('; ')}): pull them through the DR registry before failing over`,
      evidence: { measured: absent.length, limit: 0, unit: UNIT, images: checks },
    };
  });
}

async function checkImage(
  { ecr, prefixes, registryId }: ImagesGateDependencies,
  reference: ImageReference,
): Promise<ImageCheck> {
  const repository = ecrRepositoryOf(reference, prefixes);
  if (repository === undefined) {
    return { image: reference.image, repository: null, presence: 'no-pull-through-rule' };
  }
  const imageId = reference.digest ? { imageDigest: reference.digest } : { imageTag: reference.tag };
  try {
    const { imageDetails } = await callAws(`ecr:DescribeImages ${repository}`, () =>
      ecr.send(new DescribeImagesCommand({ registryId, repositoryName: repository, imageIds: [imageId] })),
    );
    const pushedAt = imageDetails?.[0]?.imagePushedAt?.toISOString();
    return { image: reference.image, repository, presence: 'present', ...(pushedAt ? { pushedAt } : {}) };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ImageNotFoundException') return { image: reference.image, repository, presence: 'missing' };
    if (name === 'RepositoryNotFoundException') {
      return { image: reference.image, repository, presence: 'no-repository' };
    }
    throw error;
  }
}

function describeAbsence(check: ImageCheck): string {
  switch (check.presence) {
    case 'no-pull-through-rule':
      return `${check.image}: no pull-through cache rule covers its registry`;
    case 'no-repository':
      return `${check.image}: repository ${check.repository} does not exist`;
    default:
      return `${check.image}: not in ${check.repository}`;
  }
}
