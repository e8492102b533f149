import * as z from 'zod/mini';
import { nonEmptyString } from './schemas.ts';

/**
 * Environment variable schemas, one per concern. A handler validates process.env against the
 * union it needs; the OpsFunction construct (infra/constructs) takes the same schema, so infra and
 * handler cannot disagree about which variables exist.
 */
export const powertoolsEnvironment = z.object({
  POWERTOOLS_SERVICE_NAME: nonEmptyString(),
  POWERTOOLS_METRICS_NAMESPACE: nonEmptyString(),
});

export const kubernetesEnvironment = z.object({
  /** The EKS cluster whose API the function talks to (endpoint and CA come from DescribeCluster). */
  CLUSTER_NAME: nonEmptyString(),
  /** Optional JSON override of functions/core/platform/layout.ts. */
  PLATFORM_LAYOUT: z.optional(z.string()),
});

export const minioEnvironment = z.object({
  MINIO_ENDPOINT: z.url(),
  /** Secrets Manager secret holding {"accessKeyId": ..., "secretAccessKey": ...}. */
  MINIO_CREDENTIALS_SECRET_ID: nonEmptyString(),
  PLATFORM_LAYOUT: z.optional(z.string()),
});

export const notificationEnvironment = z.object({
  NOTIFICATION_TOPIC_ARN: nonEmptyString(),
  ENVIRONMENT_NAME: nonEmptyString(),
});

export type PowertoolsEnvironment = z.infer<typeof powertoolsEnvironment>;

/** The environment of each kind of handler (infra's OpsFunction takes the same schemas). */
export const kubernetesHandlerEnvironment = z.extend(powertoolsEnvironment, kubernetesEnvironment.shape);
export const minioHandlerEnvironment = z.extend(powertoolsEnvironment, minioEnvironment.shape);
export const notificationHandlerEnvironment = z.extend(powertoolsEnvironment, notificationEnvironment.shape);
export const reportHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ENVIRONMENT_NAME: nonEmptyString(),
});
