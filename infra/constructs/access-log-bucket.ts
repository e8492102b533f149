import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * The server access log bucket of one of the stacks' buckets: private, TLS only, owned by the
 * bucket owner (the log delivery writes with ACLs off), kept as long as the environment's logs.
 */
export function accessLogBucket(scope: Construct, id: string, logRetentionDays: number): Bucket {
  return new Bucket(scope, id, {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(logRetentionDays) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
