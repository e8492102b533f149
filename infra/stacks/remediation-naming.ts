import { clusterEnvironment, platformSecretName } from '../../cluster-manifests/src/environments.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';

/**
 * The names of remediation's resources, fixed per environment. The functions find the bus and the
 * secrets by these names (literal variables: the local runner reads them as deployed) and are
 * granted on ARNs built from them, so no function depends on the resource it names: the webhook
 * secret holds the ingress's URL, which would otherwise close a cycle.
 */

/** The custom bus the alert ingress publishes to (docs/remediation.md "The alert event"). */
export function alertEventBusName(config: EnvironmentConfig): string {
  return `lakehouse-ops-${config.name}-alerts`;
}

/** The topic Amazon Managed Prometheus's alert manager publishes to. */
export function ampAlertTopicName(config: EnvironmentConfig): string {
  return `lakehouse-ops-${config.name}-amp-alerts`;
}

/**
 * `{ "url", "token" }`: the cluster's Alertmanager reads both through an ExternalSecret
 * (cluster-manifests/src/external-secrets.ts), the ingress checks the token.
 */
export function alertWebhookSecretName(config: EnvironmentConfig): string {
  return platformSecretName(clusterEnvironment(config), 'alertmanager-webhook');
}

/** `{ "key": "<base64>" }`: the HMAC key of the approve and reject links. */
export function approvalSigningSecretName(config: EnvironmentConfig): string {
  return platformSecretName(clusterEnvironment(config), 'approval-signing-key');
}
