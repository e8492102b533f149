/**
 * The configuration an SDK client needs to reach one of the local lakehouse's endpoints with the
 * handlers' credentials, read from the local environment (startLocalLakehouse().environment).
 */
export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function localClientConfig(
  environment: Readonly<Record<string, string>>,
  endpointVariable: string,
  service: string,
): LocalClientConfig {
  const endpoint = environment[endpointVariable];
  const {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
  } = environment;
  if (!endpoint || !region || !accessKeyId || !secretAccessKey) {
    throw new Error(
      `The local ${service} endpoint needs ${endpointVariable}, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the local environment (startLocalLakehouse().environment provides them)`,
    );
  }
  return { endpoint, region, credentials: { accessKeyId, secretAccessKey } };
}
