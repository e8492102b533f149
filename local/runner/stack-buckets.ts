import { CreateBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { type PseudoParameters, resolveIntrinsics } from './intrinsics.ts';
import { localClientConfig } from './local-client-config.ts';
import { type CfnTemplate, resourcesOfType } from './template.ts';

/**
 * The stack's S3 buckets (the backup bucket, for one) as the local runner deploys them: each gets a
 * local name, `Ref` and `Fn::GetAtt [.., Arn]` resolve to it wherever the template uses them (state
 * machine definitions, Lambda environments), and the runner creates the buckets on the local S3
 * endpoint (AWS_ENDPOINT_URL_S3: the lakehouse's "DR S3") before the first execution, as
 * CloudFormation creates them before anything runs.
 *
 * The local name is the template's BucketName when it resolves without deployment, otherwise
 * `<stack name>-<logical id>` in S3's alphabet (CloudFormation would add a random suffix; a stable
 * name lets a test or the drill find the bucket again).
 */
export interface LocalBucket {
  readonly logicalId: string;
  readonly bucketName: string;
  readonly bucketArn: string;
}

const MAX_BUCKET_NAME_LENGTH = 63;

export function describeLocalBuckets(
  template: CfnTemplate,
  pseudo: PseudoParameters,
): Map<string, LocalBucket> {
  const buckets = new Map<string, LocalBucket>();
  const noResources = {
    ref: (id: string) => {
      throw new Error(`BucketName refers to ${id}`);
    },
    getAtt: (id: string) => {
      throw new Error(`BucketName refers to ${id}`);
    },
  };
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    const declared = resource.Properties?.BucketName;
    let bucketName: string | undefined;
    try {
      const resolved = declared === undefined ? undefined : resolveIntrinsics(declared, noResources, pseudo);
      if (typeof resolved === 'string') bucketName = resolved;
    } catch {
      // A name built from other resources' attributes: fall back to the stable local name.
    }
    bucketName ??= stableBucketName(pseudo.stackName, logicalId);
    buckets.set(logicalId, {
      logicalId,
      bucketName,
      bucketArn: `arn:${pseudo.partition}:s3:::${bucketName}`,
    });
  }
  return buckets;
}

function stableBucketName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .slice(0, MAX_BUCKET_NAME_LENGTH)
    .replace(/[-.]+$/, '');
}

/** Creates each bucket unless it exists; `environment` supplies endpoint, region and credentials. */
export async function createLocalBuckets(
  buckets: Iterable<LocalBucket>,
  environment: Readonly<Record<string, string>>,
): Promise<void> {
  const wanted = [...buckets];
  if (wanted.length === 0) return;
  const s3 = localS3Client(environment);
  try {
    for (const bucket of wanted) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket.bucketName }));
      } catch (error) {
        const alreadyThere =
          error instanceof S3ServiceException &&
          ['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(error.name);
        if (!alreadyThere) throw error;
      }
    }
  } finally {
    s3.destroy();
  }
}

/**
 * An S3 client for the local S3 endpoint named by AWS_ENDPOINT_URL_S3, with the credentials the
 * handlers use. Path-style, and no streaming checksums: s3rver would store their framing.
 */
export function localS3Client(environment: Readonly<Record<string, string>>): S3Client {
  const { endpoint, region, credentials } = localClientConfig(environment, 'AWS_ENDPOINT_URL_S3', 'S3');
  return new S3Client({
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}
