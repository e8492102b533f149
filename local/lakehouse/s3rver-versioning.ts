import { createRequire } from 'node:module';

/**
 * s3rver 3.7.1 lists `?versioning` among the bucket configurations it does not implement (its
 * routes answer 501 NotImplemented for it, as for `?lifecycle` and `?notification`), but leaves it
 * out of the query names its router recognises. So GetBucketVersioning is answered as a
 * ListObjects, and PutBucketVersioning as a CreateBucket (409 BucketAlreadyExists). Adding the name
 * makes s3rver give its own answer, NotImplemented, which a client can tell from a refusal.
 */
const require = createRequire(import.meta.url);

export function routeBucketVersioningRequests(): void {
  const bucket = require('s3rver/lib/controllers/bucket.js') as { METHODS: string[] };
  if (!bucket.METHODS.includes('versioning')) bucket.METHODS.push('versioning');
}
