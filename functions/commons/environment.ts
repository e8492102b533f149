import * as z from 'zod';

/**
 * Environment variable schemas, one per concern. A handler validates process.env against the
 * union it needs; the OpsFunction construct (infra/constructs) takes the same schema, so infra and
 * handler cannot disagree about which variables exist.
 */
export const powertoolsEnvironment = z.object({
  POWERTOOLS_SERVICE_NAME: z.string().min(1),
  POWERTOOLS_METRICS_NAMESPACE: z.string().min(1),
});

export const kubernetesEnvironment = z.object({
  /** The EKS cluster whose API the function talks to (endpoint and CA come from DescribeCluster). */
  CLUSTER_NAME: z.string().min(1),
  /** Optional JSON override of functions/core/platform/layout.ts. */
  PLATFORM_LAYOUT: z.string().optional(),
});

export const minioEnvironment = z.object({
  MINIO_ENDPOINT: z.url(),
  /** Secrets Manager secret holding {"accessKeyId": ..., "secretAccessKey": ...}. */
  MINIO_CREDENTIALS_SECRET_ID: z.string().min(1),
  PLATFORM_LAYOUT: z.string().optional(),
});

export const notificationEnvironment = z.object({
  NOTIFICATION_TOPIC_ARN: z.string().min(1),
  ENVIRONMENT_NAME: z.string().min(1),
});

export type PowertoolsEnvironment = z.infer<typeof powertoolsEnvironment>;

/** The environment of each kind of handler (infra's OpsFunction takes the same schemas). */
export const kubernetesHandlerEnvironment = powertoolsEnvironment.extend(kubernetesEnvironment.shape);
export const minioHandlerEnvironment = powertoolsEnvironment.extend(minioEnvironment.shape);
export const notificationHandlerEnvironment = powertoolsEnvironment.extend(notificationEnvironment.shape);
export const reportHandlerEnvironment = powertoolsEnvironment.extend({ ENVIRONMENT_NAME: z.string().min(1) });
