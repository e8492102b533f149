import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectTransportFactory } from './object-transport.ts';
import type { RetryPolicy } from './retry.ts';

/** Structured logging as Powertools' Logger offers it; optional, so tests and the bench can omit it. */
export interface BackupLogger {
  info(message: string, ...extra: object[]): void;
  warn(message: string, ...extra: object[]): void;
}

/** What every backup step receives (docs/backup.md "Core API"). Core code never builds clients. */
export interface BackupDependencies {
  /** The MinIO (source) S3 API. */
  source: S3Client;
  /** The backup S3 API (DR region). */
  destination: S3Client;
  destinationBucket: string;
  clock?: () => Date;
  logger?: BackupLogger;
  /** Backoff for transient S3 failures (defaults: 5 attempts, 100 ms base, 5 s cap). */
  retry?: RetryPolicy;
  /**
   * How the copy sends each object's GET and PUT: by default straight over HTTP
   * (directObjectTransport); sdkObjectTransport sends them through the clients' middleware.
   */
  objectTransport?: ObjectTransportFactory;
}

/** What the steps that only touch the backup bucket receive (finalize, prune, verify). */
export type DestinationDependencies = Omit<BackupDependencies, 'source'>;

export function nowOf(deps: Pick<BackupDependencies, 'clock'>): Date {
  return deps.clock?.() ?? new Date();
}
