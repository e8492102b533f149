import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';

/** Where the direct object transport sends a bucket's requests, by the S3 client's own rules. */
export interface ObjectEndpoint {
  /** Where the bucket's keys go: `https://<bucket>.s3.<region>.amazonaws.com/`, or `<endpoint>/<bucket>` path style. */
  readonly url: URL;
  readonly signingRegion: string;
  readonly signingName: string;
}

/**
 * A bucket's endpoint by the client's own rule set (the one its GetObject uses), or undefined when
 * the bucket is signed other than with SigV4 (S3 Express, multi-region access points).
 */
export async function objectEndpointOf(
  client: S3Client,
  bucket: string,
): Promise<ObjectEndpoint | undefined> {
  type Instructions = Parameters<typeof getEndpointFromInstructions>;
  const resolved = await getEndpointFromInstructions(
    // The key does not change the endpoint: any key stands for all of them.
    { Bucket: bucket, Key: 'k' },
    GetObjectCommand as unknown as Instructions[1],
    // A copy: the resolution stores what it derives (a custom endpoint) on the config it is given.
    { ...client.config } as unknown as Instructions[2],
  );
  const schemes = resolved.properties?.authSchemes as
    | { name?: string; signingName?: string; signingRegion?: string }[]
    | undefined;
  const scheme = schemes?.[0];
  if (scheme?.name !== 'sigv4' || !scheme.signingRegion) return undefined;
  return { url: resolved.url, signingRegion: scheme.signingRegion, signingName: scheme.signingName ?? 's3' };
}
