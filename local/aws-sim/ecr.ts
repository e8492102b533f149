import { createHash } from 'node:crypto';
import {
  AwsServiceError,
  epochSeconds,
  jsonResponse,
  parseJsonBody,
  requireString,
  type SimRequest,
  type SimResponse,
} from './http.ts';
import { renderJsonProtocolError } from './secrets-manager.ts';

/**
 * ECR's image lookups over the JSON 1.1 protocol (`X-Amz-Target:
 * AmazonEC2ContainerRegistry_V20150921.DescribeImages` / `BatchGetImage`), for the dr-failover
 * images gate (functions/core/dr/failover/gates/images-in-dr-region.ts). Registries are per region
 * and account, as in AWS: the region comes from the request's SigV4 credential scope, so an image
 * seeded in the DR region is not found by a client of the primary region. Nothing pushes or pulls
 * here; the repositories and tags are seeded (the local lakehouse seeds the DR region with the
 * images the pull-through cache rules would hold after a pull).
 */
export interface EcrRepositorySeed {
  readonly region: string;
  /** The repository name, e.g. `quay/minio/minio` (a pull-through cache prefix and the upstream path). */
  readonly repositoryName: string;
  readonly tags: readonly string[];
}

interface StoredImage {
  readonly digest: string;
  readonly tags: readonly string[];
  readonly manifest: string;
  readonly sizeInBytes: number;
  readonly pushedAt: Date;
}

interface ImageIdentifier {
  readonly imageTag?: string;
  readonly imageDigest?: string;
}

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
/** DescribeImages and BatchGetImage take at most this many image ids per call. */
const MAX_IMAGE_IDS = 100;

export class EcrSimulator {
  /** `<region>/<registryId>/<repository>` -> its images. */
  private readonly repositories = new Map<string, StoredImage[]>();

  constructor(
    private readonly accountId: string,
    seeded: readonly EcrRepositorySeed[],
  ) {
    for (const seed of seeded) this.seed(seed);
  }

  /** Adds the tags to a repository (created when new); each tag is one image with its own digest. */
  seed({ region, repositoryName, tags }: EcrRepositorySeed): void {
    const key = repositoryKey(region, this.accountId, repositoryName);
    const images = this.repositories.get(key) ?? [];
    for (const tag of tags) {
      if (images.some((image) => image.tags.includes(tag))) continue;
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_MEDIA_TYPE,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha256(`${repositoryName}:${tag}`),
          size: 2,
        },
        layers: [],
      });
      images.push({
        digest: sha256(manifest),
        tags: [tag],
        manifest,
        sizeInBytes: manifest.length,
        pushedAt: new Date(),
      });
    }
    this.repositories.set(key, images);
  }

  handles(request: SimRequest): boolean {
    return String(request.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX);
  }

  handle(request: SimRequest): SimResponse {
    const operation = String(request.headers['x-amz-target']).slice(TARGET_PREFIX.length);
    const body = parseJsonBody(request);
    const region = signedRegion(request);
    switch (operation) {
      case 'DescribeImages':
        return this.describeImages(region, body);
      case 'BatchGetImage':
        return this.batchGetImage(region, body);
      default:
        throw new AwsServiceError(
          'UnknownOperationException',
          `aws-sim ECR does not implement ${operation}`,
          400,
        );
    }
  }

  private describeImages(region: string, body: Record<string, unknown>): SimResponse {
    const { registryId, repositoryName, images } = this.repositoryOf(region, body);
    const imageIds = imageIdsOf(body, false);
    const found = imageIds
      ? imageIds.map((id) => {
          const image = findImage(images, id);
          if (!image) {
            throw new AwsServiceError(
              'ImageNotFoundException',
              `The image with imageId {${describeId(id)}} does not exist within the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
              400,
            );
          }
          return image;
        })
      : images;
    return jsonResponse(
      200,
      {
        imageDetails: found.map((image) => ({
          registryId,
          repositoryName,
          imageDigest: image.digest,
          imageTags: image.tags,
          imageSizeInBytes: image.sizeInBytes,
          imagePushedAt: epochSeconds(image.pushedAt),
          imageManifestMediaType: MANIFEST_MEDIA_TYPE,
        })),
      },
      CONTENT_TYPE,
    );
  }

  private batchGetImage(region: string, body: Record<string, unknown>): SimResponse {
    const { registryId, repositoryName, images } = this.repositoryOf(region, body);
    const result = { images: [] as unknown[], failures: [] as unknown[] };
    for (const id of imageIdsOf(body, true) ?? []) {
      const image = findImage(images, id);
      if (!image) {
        result.failures.push({
          imageId: id,
          failureCode: 'ImageNotFound',
          failureReason: 'Requested image not found',
        });
      } else if (id.imageTag && id.imageDigest && !image.tags.includes(id.imageTag)) {
        result.failures.push({
          imageId: id,
          failureCode: 'ImageTagDoesNotMatchDigest',
          failureReason: 'Invalid image tag for image digest',
        });
      } else {
        result.images.push({
          registryId,
          repositoryName,
          imageId: { imageDigest: image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
          imageManifest: image.manifest,
          imageManifestMediaType: MANIFEST_MEDIA_TYPE,
        });
      }
    }
    return jsonResponse(200, result, CONTENT_TYPE);
  }

  private repositoryOf(region: string, body: Record<string, unknown>) {
    const repositoryName = requireString(body, 'repositoryName');
    const registryId = typeof body.registryId === 'string' ? body.registryId : this.accountId;
    const images = this.repositories.get(repositoryKey(region, registryId, repositoryName));
    if (!images) {
      throw new AwsServiceError(
        'RepositoryNotFoundException',
        `The repository with name '${repositoryName}' does not exist in the registry with id '${registryId}'`,
        400,
      );
    }
    return { registryId, repositoryName, images };
  }
}

export const renderEcrError = renderJsonProtocolError;

function imageIdsOf(body: Record<string, unknown>, required: boolean): ImageIdentifier[] | undefined {
  const ids = body.imageIds;
  if (ids === undefined && !required) return undefined;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IMAGE_IDS) {
    throw new AwsServiceError(
      'InvalidParameterException',
      `imageIds must be a list of 1 to ${MAX_IMAGE_IDS} image identifiers`,
      400,
    );
  }
  return ids.map((id: unknown) => {
    const { imageTag, imageDigest } = (id ?? {}) as Record<string, unknown>;
    if (typeof imageTag !== 'string' && typeof imageDigest !== 'string') {
      throw new AwsServiceError(
        'InvalidParameterException',
        'each image id needs an imageTag or an imageDigest',
        400,
      );
    }
    return {
      ...(typeof imageTag === 'string' ? { imageTag } : {}),
      ...(typeof imageDigest === 'string' ? { imageDigest } : {}),
    };
  });
}

function findImage(images: readonly StoredImage[], id: ImageIdentifier): StoredImage | undefined {
  return id.imageDigest
    ? images.find((image) => image.digest === id.imageDigest)
    : images.find((image) => image.tags.includes(id.imageTag as string));
}

function describeId(id: ImageIdentifier): string {
  return [id.imageDigest && `imageDigest:'${id.imageDigest}'`, id.imageTag && `imageTag:'${id.imageTag}'`]
    .filter(Boolean)
    .join(', ');
}

/** `Credential=<key>/<date>/<region>/ecr/aws4_request` in the Authorization header. */
function signedRegion(request: SimRequest): string {
  const scope = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/ecr\//.exec(
    String(request.headers.authorization ?? ''),
  );
  if (!scope?.[1]) {
    throw new AwsServiceError(
      'MissingAuthenticationTokenException',
      'aws-sim ECR needs a SigV4-signed request (its credential scope names the region)',
      403,
    );
  }
  return scope[1];
}

function repositoryKey(region: string, registryId: string, repositoryName: string): string {
  return `${region}/${registryId}/${repositoryName}`;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
