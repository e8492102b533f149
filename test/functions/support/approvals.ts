import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { AlertEvent } from '../../../functions/core/remediation/alert-event.ts';
import { approvalKey } from '../../../functions/core/remediation/approval/approval-store.ts';
import type { ApprovalRequest } from '../../../functions/core/remediation/approval/request-approval.ts';
import { handler as requestApprovalHandler } from '../../../functions/request-approval.handler.ts';
import type { AwsSim } from '../../../local/aws-sim/server.ts';
import type { PublishedNotification } from '../../../local/aws-sim/sns.ts';
import { TaskTokenBroker } from '../../../local/runner/task-tokens.ts';
import { lambdaContext } from './lambda.ts';
import { type DynamoDbFixture, OPS_TABLE, useLocalDynamoDb } from './local-dynamodb.ts';
import { TEST_ACCOUNT, TEST_CLUSTER, useAwsSim } from './simulators.ts';

/**
 * What the approval handler tests share: the ops table on dynalite, aws-sim with the topic, the
 * signing secret and Step Functions' task-token API answering a TaskTokenBroker (the local
 * runner's), and a way to start an approval as the workflow's Task does: park a token, invoke
 * request-approval with it, and read the links from the notification.
 */
export const APPROVAL_TOPIC = `arn:aws:sns:eu-west-1:${TEST_ACCOUNT}:lakehouse-ops-test-notifications`;
export const SIGNING_SECRET_ID = 'lakehouse/test/approval-signing-key';
export const SIGNING_KEY = Buffer.alloc(32, 7);
export const APPROVAL_URL = 'https://approvals.example.com/';
export const EXECUTION_ID = 'arn:aws:states:eu-west-1:123456789012:execution:remediate:alert-3f2a';

export interface ApprovalBackends {
  awsSim(): AwsSim;
  dynamo: DynamoDbFixture;
  broker: TaskTokenBroker;
  environment(): Record<string, string>;
  /** The raw approval item, attribute values as plain strings. */
  item(approvalId: string): Promise<Record<string, string> | undefined>;
  deleteItem(approvalId: string): Promise<void>;
}

export function useApprovalBackends(): ApprovalBackends {
  const dynamo = useLocalDynamoDb();
  const broker = new TaskTokenBroker();
  const awsSim = useAwsSim(() => ({
    topicArns: [APPROVAL_TOPIC],
    secrets: [{ name: SIGNING_SECRET_ID, value: { key: SIGNING_KEY.toString('base64') } }],
    taskTokens: broker,
  }));
  return {
    awsSim,
    dynamo,
    broker,
    environment: () => ({
      OPS_TABLE_NAME: OPS_TABLE,
      NOTIFICATION_TOPIC_ARN: APPROVAL_TOPIC,
      APPROVAL_SIGNING_SECRET_ID: SIGNING_SECRET_ID,
      APPROVAL_URL,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
      AWS_ENDPOINT_URL_SNS: awsSim().url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: awsSim().url,
      AWS_ENDPOINT_URL_SFN: awsSim().url,
    }),
    item: async (approvalId) => {
      const { Item } = await dynamo
        .client()
        .send(
          new GetItemCommand({ TableName: OPS_TABLE, Key: approvalKey(approvalId), ConsistentRead: true }),
        );
      return (
        Item &&
        Object.fromEntries(
          Object.entries(Item).map(([name, value]) => [name, value.S ?? value.N ?? String(value.BOOL)]),
        )
      );
    },
    deleteItem: async (approvalId) => {
      await dynamo
        .client()
        .send(new DeleteItemCommand({ TableName: OPS_TABLE, Key: approvalKey(approvalId) }));
    },
  };
}

export function crashLoopAlert(): AlertEvent {
  return {
    alertname: 'PodCrashLooping',
    severity: 'warning',
    status: 'firing',
    fingerprint: '3f2a9c0d1e2b4a5f',
    startsAt: '2026-11-26T01:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    labels: {
      alertname: 'PodCrashLooping',
      namespace: 'prefect',
      pod: 'prefect-worker-abc',
      severity: 'warning',
    },
    annotations: { summary: 'prefect-worker-abc restarted 7 times in 10 minutes' },
    generatorURL: 'http://prometheus/graph',
    receiver: 'lakehouse-ops',
    source: 'alertmanager',
    receivedAt: '2026-11-26T01:00:03.120Z',
  };
}

/** The Task's Payload, as the workflow's approval Task sends it. */
export function approvalRequest(
  taskToken: string,
  overrides: Partial<ApprovalRequest> = {},
): ApprovalRequest {
  return {
    taskToken,
    executionId: EXECUTION_ID,
    alert: crashLoopAlert(),
    target: { cluster: TEST_CLUSTER, namespace: 'prefect', kind: 'Pod', name: 'prefect-worker-abc' },
    playbook: 'delete-pod',
    params: { minRestarts: 5 },
    dryRun: false,
    timeoutMinutes: 60,
    ...overrides,
  };
}

/** What a Task outcome settled to, without an unhandled rejection while nobody awaits it yet. */
export type Settled = { output: unknown } | { error: Error };

export interface StartedApproval {
  approvalId: string;
  expiresAt: number;
  token: string;
  approveLink: string;
  rejectLink: string;
  notification: PublishedNotification;
  /** The parked Task's answer. */
  answer: Promise<Settled>;
}

/** Parks a Task like the runner, invokes request-approval with its token, reads the links. */
export async function startApproval(
  backends: ApprovalBackends,
  overrides: Partial<ApprovalRequest> = {},
): Promise<StartedApproval> {
  const { token, answer } = backends.broker.park('remediate-test', 'RequestApproval');
  const settled = answer.then(
    (output) => ({ output }),
    (error: Error) => ({ error }),
  );
  const published = backends.awsSim().published.length;
  const { approvalId, expiresAt } = (await requestApprovalHandler(
    approvalRequest(token, overrides),
    lambdaContext('request-approval'),
  )) as { approvalId: string; expiresAt: number };
  const notification = backends.awsSim().published[published];
  if (!notification) throw new Error('request-approval published no notification');
  return {
    approvalId,
    expiresAt,
    token,
    approveLink: linkIn(notification.message, 'Approve'),
    rejectLink: linkIn(notification.message, 'Reject'),
    notification,
    answer: settled,
  };
}

function linkIn(message: string, label: string): string {
  const match = new RegExp(`^${label}: +(\\S+)$`, 'm').exec(message);
  if (!match?.[1]) throw new Error(`no "${label}:" link in the notification:\n${message}`);
  return match[1];
}
