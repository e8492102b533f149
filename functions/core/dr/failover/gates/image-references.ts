import { IMAGES } from '../../../../../cluster-manifests/src/images.ts';
import { InvalidInputError } from '../../../../commons/errors.ts';
import { PG_TOOLS_IMAGE } from '../../../postgres/image.ts';

/**
 * Where the DR cluster finds the lakehouse's images. The manifests name upstream references
 * (cluster-manifests/src/images.ts: `quay.io/minio/minio:<tag>`, Docker Hub's `postgres:<tag>`);
 * in the DR region each upstream registry is an ECR pull-through cache rule with a repository
 * prefix, so `quay.io/minio/minio` is the DR ECR repository `quay/minio/minio` and Docker Hub's
 * official `postgres` is `docker-hub/library/postgres` (Docker Hub keeps official images under
 * `library/`). A pull-through cache holds an image only once it has been pulled, so the gate asks
 * for the exact tag or digest: a DR cluster must not depend on an upstream registry on the day of
 * a regional outage. A reference already in ECR keeps its repository name.
 */
export interface ImageReference {
  /** The reference as the manifests write it. */
  image: string;
  /** Registry host; Docker Hub for a reference without one. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Upstream registry host -> ECR pull-through cache repository prefix in the DR region. */
export type RepositoryPrefixes = Readonly<Record<string, string>>;

export const DOCKER_HUB = 'docker.io';

export const DEFAULT_REPOSITORY_PREFIXES: RepositoryPrefixes = {
  [DOCKER_HUB]: 'docker-hub',
  'quay.io': 'quay',
  'registry.k8s.io': 'k8s',
  'ghcr.io': 'github',
};

/** Every image the failover runs in the DR cluster: the lakehouse's workloads and the pg-tools Jobs. */
export function requiredImages(): string[] {
  return [...new Set([...Object.values(IMAGES), PG_TOOLS_IMAGE])];
}

export function parseImageReference(image: string): ImageReference {
  const [name = '', digest] = image.split('@');
  const lastSlash = name.lastIndexOf('/');
  const tagSeparator = name.indexOf(':', lastSlash + 1);
  const path = tagSeparator === -1 ? name : name.slice(0, tagSeparator);
  const tag = tagSeparator === -1 ? undefined : name.slice(tagSeparator + 1);
  const [first = '', ...rest] = path.split('/');
  // As Docker decides: the first segment is a registry host when it looks like one.
  const hasHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasHost ? first : DOCKER_HUB;
  const segments = hasHost ? rest : [first, ...rest];
  const repository =
    registry === DOCKER_HUB && segments.length === 1 ? `library/${segments[0]}` : segments.join('/');
  if (!repository || segments.some((segment) => segment === '') || (!tag && !digest)) {
    throw new InvalidInputError(
      `image "${image}" is not a pinned image reference: expected [<registry>/]<repository>:<tag> or @sha256:<digest>`,
      { image },
    );
  }
  return { image, registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The DR region's ECR repository that holds `reference`, or undefined when no rule covers its registry. */
export function ecrRepositoryOf(reference: ImageReference, prefixes: RepositoryPrefixes): string | undefined {
  if (isEcrRegistry(reference.registry)) return reference.repository;
  const prefix = prefixes[reference.registry];
  return prefix === undefined ? undefined : `${prefix}/${reference.repository}`;
}

/** The DR region's private registry: its account, its region and the pull-through cache prefixes in it. */
export interface DrImageRegistry {
  readonly registryId: string;
  readonly region: string;
  readonly prefixes: RepositoryPrefixes;
}

/**
 * The reference the DR cluster pulls for `image`: the same tag or digest in the DR registry's
 * repository that ecrRepositoryOf names, so the images gate checks exactly what the DR manifests run.
 */
export function drImageReference(image: string, registry: DrImageRegistry): string {
  const reference = parseImageReference(image);
  const repository = ecrRepositoryOf(reference, registry.prefixes);
  if (repository === undefined) {
    throw new InvalidInputError(
      `image "${image}" comes from ${reference.registry}, which has no pull-through cache rule in the DR registry: expected one of ${Object.keys(registry.prefixes).join(', ')} (or an ECR reference)`,
      { image, registry: reference.registry },
    );
  }
  const host = `${registry.registryId}.dkr.ecr.${registry.region}.amazonaws.com`;
  const version = reference.digest ? `@${reference.digest}` : `:${reference.tag}`;
  return `${host}/${repository}${version}`;
}

function isEcrRegistry(host: string): boolean {
  return /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\./.test(host);
}
