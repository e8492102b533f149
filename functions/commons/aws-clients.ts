import { ECRClient } from '@aws-sdk/client-ecr';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { instrumentClient } from './client-instrumentation.ts';

/**
 * The AWS SDK clients the handlers share, created on first use and reused across invocations.
 * No endpoint is set here on purpose: the SDK reads AWS_ENDPOINT_URL_<SERVICE>, which is how the
 * local drill points these same clients at its simulators.
 *
 * Plain functions over module variables (not a generic memoizer called at top level) so that a
 * bundler drops the clients a handler never asks for.
 */
let eks: EKSClient | undefined;
let sns: SNSClient | undefined;
let secretsManager: SecretsManagerClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let sfn: SFNClient | undefined;
let sqs: SQSClient | undefined;
let route53: Route53Client | undefined;

export function eksClient(): EKSClient {
  eks ??= instrumentClient(new EKSClient({}));
  return eks;
}

export function snsClient(): SNSClient {
  sns ??= instrumentClient(new SNSClient({}));
  return sns;
}

export function secretsManagerClient(): SecretsManagerClient {
  secretsManager ??= instrumentClient(new SecretsManagerClient({}));
  return secretsManager;
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= instrumentClient(new EventBridgeClient({}));
  return eventBridge;
}

/** Step Functions, for answering task tokens (approvals). */
export function sfnClient(): SFNClient {
  sfn ??= instrumentClient(new SFNClient({}));
  return sfn;
}

/** SQS, for the replication queue (functions/core/dr/replication). */
export function sqsClient(): SQSClient {
  sqs ??= instrumentClient(new SQSClient({}));
  return sqs;
}

/** Route 53 (a global service), for the DR traffic switch (functions/core/dr/traffic). */
export function route53Client(): Route53Client {
  route53 ??= instrumentClient(new Route53Client({}));
  return route53;
}

const eksByRegion = new Map<string, EKSClient>();
const ecrByRegion = new Map<string, ECRClient>();
const lambdaByRegion = new Map<string, LambdaClient>();

/** One client per region, created on first use like the function region's above. */
function inRegion<Client extends object>(
  clients: Map<string, Client>,
  region: string,
  create: () => Client,
): Client {
  let client = clients.get(region);
  if (!client) {
    client = instrumentClient(create());
    clients.set(region, client);
  }
  return client;
}

/** EKS in another region than the function's (the DR cluster's, functions/core/dr/failover). */
export function eksClientIn(region: string): EKSClient {
  return inRegion(eksByRegion, region, () => new EKSClient({ region }));
}

/** ECR of a region, for the images the DR cluster pulls (functions/core/dr/failover). */
export function ecrClientIn(region: string): ECRClient {
  return inRegion(ecrByRegion, region, () => new ECRClient({ region }));
}

/** Lambda of another region: the DR control plane's proxy to the primary's agents (functions/core/dr/primary-agent). */
export function lambdaClientIn(region: string): LambdaClient {
  return inRegion(lambdaByRegion, region, () => new LambdaClient({ region }));
}
