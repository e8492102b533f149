import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AlertEvent } from '../alert-event.ts';

/**
 * Deduplication of alerts on the ops table (docs/remediation.md, "Deduplication"): one item per
 * (fingerprint, startsAt, status), `pk = ALERT#<fingerprint>`, `sk = <startsAt>#<status>`, written
 * with a conditional PutItem so that of any number of concurrent or repeated deliveries exactly
 * one claims the alert and publishes it.
 *
 * The condition also accepts an item whose `expiresAt` has passed: DynamoDB's TTL deletes late
 * (dynalite never), and the 7 days must mean the same everywhere. Each claim carries the
 * delivery's `claimId`, so a delivery that fails to publish releases only its own claims.
 */
export interface AlertDedupTable {
  dynamoDb: DynamoDBClient;
  tableName: string;
}

export const ALERT_DEDUP_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface AlertClaim {
  /** Unique per delivery. */
  claimId: string;
  now: Date;
}

export function alertDedupKey(event: Pick<AlertEvent, 'fingerprint' | 'startsAt' | 'status'>): {
  pk: string;
  sk: string;
} {
  return { pk: `ALERT#${event.fingerprint}`, sk: `${event.startsAt}#${event.status}` };
}

/** true when this delivery claimed the alert (it is new); false when it was seen before. */
export async function claimAlert(
  table: AlertDedupTable,
  event: AlertEvent,
  claim: AlertClaim,
): Promise<boolean> {
  const { pk, sk } = alertDedupKey(event);
  const nowSeconds = Math.floor(claim.now.getTime() / 1000);
  try {
    await table.dynamoDb.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          pk: { S: pk },
          sk: { S: sk },
          claimId: { S: claim.claimId },
          alertname: { S: event.alertname },
          source: { S: event.source },
          receivedAt: { S: event.receivedAt },
          expiresAt: { N: String(nowSeconds + ALERT_DEDUP_TTL_SECONDS) },
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Gives the alert back so the sender's retry can publish it; only while this delivery holds it. */
export async function releaseAlertClaim(
  table: AlertDedupTable,
  event: AlertEvent,
  claimId: string,
): Promise<void> {
  const { pk, sk } = alertDedupKey(event);
  try {
    await table.dynamoDb.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: pk }, sk: { S: sk } },
        ConditionExpression: 'claimId = :claimId',
        ExpressionAttributeValues: { ':claimId': { S: claimId } },
      }),
    );
  } catch (error) {
    // Another delivery's claim (ours had expired and was taken over): not ours to remove.
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}
