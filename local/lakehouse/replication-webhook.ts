import type { FunctionUrlHandler } from './function-url-server.ts';
import { startFunctionUrlServer } from './function-url-server.ts';
import { createMinioWebhookTarget, type MinioWebhookTarget } from './minio-notifications.ts';
import type { S3ObjectEvent } from './s3rver-object-events.ts';

/**
 * Continuous replication's entry locally (docs/dr.md): the replication-ingress Function URL on
 * loopback, and, when asked for, MinIO's `notify_webhook` target pointed at it with the secret's
 * token. The URL exists from the start, as the deployed one does, but the function behind it comes
 * from the synthesized stack, which the local runner loads later (local/runner/replication.ts
 * calls `serve`). Until then the URL answers 502 like a failing function, and MinIO's target keeps
 * the events queued and retries, as it does while a target is down.
 */
export interface ReplicationWebhook {
  readonly url: string;
  readonly token: string;
  /** MinIO's notification queue towards the URL; absent unless notifications were asked for. */
  readonly notifications?: MinioWebhookTarget;
  /** Puts a handler behind the URL; returns the function that takes it away again. */
  serve(handler: FunctionUrlHandler): () => void;
  /** An object event of the MinIO primary (its s3rver's onObjectEvent). */
  notify(event: S3ObjectEvent): void;
  stop(): Promise<void>;
}

export interface ReplicationWebhookOptions {
  readonly functionName: string;
  readonly token: string;
  /** MinIO's notification configuration: the buckets whose events are sent, and its region. */
  readonly notifications?: { readonly buckets: readonly string[]; readonly region: string };
}

export class ReplicationIngressNotServedError extends Error {
  override readonly name = 'ReplicationIngressNotServedError';
}

export async function startReplicationWebhook(
  options: ReplicationWebhookOptions,
): Promise<ReplicationWebhook> {
  let current: FunctionUrlHandler | undefined;
  const server = await startFunctionUrlServer({
    functionName: options.functionName,
    handler: (event, context) => {
      if (!current) {
        throw new ReplicationIngressNotServedError(
          'No replication-ingress handler is served yet: start replication (local/runner/replication.ts)',
        );
      }
      return current(event, context);
    },
  });
  const notifications =
    options.notifications &&
    createMinioWebhookTarget({
      endpoint: server.url,
      authToken: options.token,
      buckets: options.notifications.buckets,
      region: options.notifications.region,
    });
  return {
    url: server.url,
    token: options.token,
    ...(notifications ? { notifications } : {}),
    serve(handler) {
      if (current) throw new Error('A replication-ingress handler is already served at this URL');
      current = handler;
      return () => {
        if (current === handler) current = undefined;
      };
    },
    notify: (event) => notifications?.notify(event),
    async stop() {
      await notifications?.stop();
      await server.stop();
    },
  };
}
