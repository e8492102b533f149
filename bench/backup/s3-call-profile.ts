import type { S3Client } from '@aws-sdk/client-s3';

/** Per S3 operation: how many calls, and their summed and mean latency (request sent to response parsed). */
export interface S3CallStats {
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
}

export type S3CallProfile = Record<string, S3CallStats>;

/**
 * Counts and times every S3 call a client makes, per operation and per side, to show where a copy
 * spends its round trips (e.g. `destination HeadObject`). Summed latency exceeds wall time when
 * calls overlap; divided by the concurrency it says which calls hold the workers.
 */
export function profileS3Calls(clients: Record<string, S3Client>): () => S3CallProfile {
  const totals = new Map<string, { calls: number; totalMs: number }>();
  for (const [side, client] of Object.entries(clients)) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          const name = `${side} ${context.commandName ?? 'unknown'}`;
          const entry = totals.get(name) ?? { calls: 0, totalMs: 0 };
          entry.calls += 1;
          entry.totalMs += performance.now() - started;
          totals.set(name, entry);
        }
      },
      { step: 'initialize', name: 'benchS3CallProfile' },
    );
  }
  return () =>
    Object.fromEntries(
      [...totals].map(([name, { calls, totalMs }]) => [
        name,
        { calls, totalMs: Math.round(totalMs), meanMs: Math.round((totalMs / calls) * 10) / 10 },
      ]),
    );
}
