import { createHash } from 'node:crypto';

/** "minio-s3-probe" -> "MinioS3Probe": kebab-case names to state names and construct ids. */
export function pascalCase(kebab: string): string {
  return kebab
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** "check-eks-cluster" -> "CheckEksClusterFunction": the construct id of a handler's function. */
export function functionConstructId(handler: string): string {
  return `${pascalCase(handler)}Function`;
}

/**
 * `name` when it fits in `maxLength`; otherwise its start and 8 hex digits of its SHA-256, so two
 * long names that share a prefix still get different, stable names.
 */
export function boundedName(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, maxLength - digest.length - 1)}-${digest}`;
}
