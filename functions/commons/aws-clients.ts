import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
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
