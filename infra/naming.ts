/** "minio-s3-probe" -> "MinioS3Probe": kebab-case names to state names and construct ids. */
export function pascalCase(kebab: string): string {
  return kebab
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
