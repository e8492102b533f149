import { randomUUID } from 'node:crypto';
import { describeError, namedError, TransientError } from '../../../commons/errors.ts';
import { mapConcurrent } from '../../backup/concurrency.ts';
import type { AlertEvent } from '../alert-event.ts';
import {
  ALERT_DEDUP_TTL_SECONDS,
  type AlertDedupTable,
  alertDedupKey,
  claimAlert,
  releaseAlertClaim,
} from './alert-dedup.ts';
import { type AlertBus, publishAlertEvents } from './alert-publisher.ts';
import { RecentlyPublished } from './recently-published.ts';

/**
 * The side-effecting half of the ingress, shared by the webhook and the SNS path: claim each alert
 * in the dedup table, publish the new ones, and on any failure give back the claims of what was
 * not published, so that the sender's retry (Alertmanager on a 5xx, Lambda's retry of an SNS
 * invocation) publishes exactly those and nothing twice.
 */
export interface IngressLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export interface IngestDependencies {
  table: AlertDedupTable;
  bus: AlertBus;
  logger: IngressLogger;
  /** Injected so tests can move time; defaults to the system clock. */
  clock?: () => Date;
  /** This execution environment's own published keys; one shared instance by default. */
  recentlyPublished?: RecentlyPublished;
}

export interface IngestResult {
  alerts: number;
  published: number;
  duplicates: number;
}

/**
 * DynamoDB or EventBridge failed: `details.published` alerts went out, the rest were released for
 * the retry. Transient by nature, so the SNS path's failed invocation is retried.
 */
export class AlertIngestUnavailableError extends namedError('AlertIngestUnavailableError', TransientError) {}

const sharedRecentlyPublished = new RecentlyPublished();

// Enough to overlap the round trips of a large group without a burst of throttled writes.
const CLAIM_CONCURRENCY = 16;

type ClaimOutcome =
  | { event: AlertEvent; state: 'new' | 'duplicate' }
  | { event: AlertEvent; state: 'error'; error: unknown };

export async function ingestAlertEvents(
  dependencies: IngestDependencies,
  events: readonly AlertEvent[],
): Promise<IngestResult> {
  const claim = { claimId: randomUUID(), now: (dependencies.clock ?? (() => new Date()))() };
  const recentlyPublished = dependencies.recentlyPublished ?? sharedRecentlyPublished;
  const unknown = events.filter((event) => !recentlyPublished.has(cacheKey(event), claim.now.getTime()));
  const outcomes = await mapConcurrent(unknown, CLAIM_CONCURRENCY, (event) =>
    claimAlert(dependencies.table, event, claim).then(
      (isNew): ClaimOutcome => ({ event, state: isNew ? 'new' : 'duplicate' }),
      (error: unknown): ClaimOutcome => ({ event, state: 'error', error }),
    ),
  );
  const claimed = outcomes.filter((outcome) => outcome.state === 'new').map((outcome) => outcome.event);
  const claimErrors = outcomes.flatMap((outcome) => (outcome.state === 'error' ? [outcome.error] : []));
  if (claimErrors.length > 0) {
    // Publishing only part of the group would be correct too, but the retry repeats it all anyway.
    await releaseClaims(dependencies, claimed, claim.claimId);
    throw new AlertIngestUnavailableError(
      `the dedup table ${dependencies.table.tableName} failed for ${claimErrors.length} of ${events.length} alerts: ${describeError(claimErrors[0])}`,
      { published: 0, unpublished: events.length },
      { cause: claimErrors[0] },
    );
  }

  const { published, failed } = await publishAlertEvents(dependencies.bus, claimed);
  const expiresAt = claim.now.getTime() + ALERT_DEDUP_TTL_SECONDS * 1000;
  for (const event of published) recentlyPublished.add(cacheKey(event), expiresAt);
  if (failed.length > 0) {
    await releaseClaims(
      dependencies,
      failed.map(({ event }) => event),
      claim.claimId,
    );
    throw new AlertIngestUnavailableError(
      `EventBridge bus ${dependencies.bus.eventBusName} refused ${failed.length} of ${claimed.length} new alerts: ${failed[0]?.reason}`,
      {
        published: published.length,
        unpublished: failed.length,
        reasons: failed.map(({ reason }) => reason),
      },
    );
  }
  const result = {
    alerts: events.length,
    published: published.length,
    duplicates: events.length - published.length,
  };
  dependencies.logger.info('alerts ingested', {
    ...result,
    publishedAlerts: published.map(({ alertname, fingerprint, status }) => ({
      alertname,
      fingerprint,
      status,
    })),
  });
  return result;
}

function cacheKey(event: AlertEvent): string {
  const { pk, sk } = alertDedupKey(event);
  return `${pk}\n${sk}`;
}

async function releaseClaims(
  dependencies: IngestDependencies,
  events: readonly AlertEvent[],
  claimId: string,
): Promise<void> {
  await Promise.all(
    events.map((event) =>
      releaseAlertClaim(dependencies.table, event, claimId).catch((error: unknown) => {
        // The alert stays claimed but unpublished until its item expires: say exactly which one.
        dependencies.logger.error('could not release the dedup claim of an unpublished alert', {
          alertname: event.alertname,
          fingerprint: event.fingerprint,
          startsAt: event.startsAt,
          status: event.status,
          error: describeError(error),
        });
      }),
    ),
  );
}

export { describeError };
