import type { S3Client } from '@aws-sdk/client-s3';
import {
  directObjectTransport,
  type ObjectTransportFactory,
} from '../../functions/core/backup/object-transport.ts';

/** Per S3 operation: how many calls, and their summed and mean latency (request sent to response parsed). */
export interface S3CallStats {
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
}

export type S3CallProfile = Record<string, S3CallStats>;

export interface S3CallProfiler {
  /** The copy's object transport (the direct one), timed per side like the client calls. */
  readonly objectTransport: ObjectTransportFactory;
  profile(): S3CallProfile;
}

/**
 * Counts and times every S3 call a client makes, per operation and per side, to show where a copy
 * spends its round trips (e.g. `destination HeadObject`): the clients' commands through their
 * middleware, each object's GET and PUT through the returned transport. Summed latency exceeds
 * wall time when calls overlap; divided by the concurrency it says which calls hold the workers.
 */
export function profileS3Calls(clients: Record<string, S3Client>): S3CallProfiler {
  const totals = new Map<string, { calls: number; totalMs: number }>();
  const timed = async <Result>(name: string, call: () => Promise<Result>): Promise<Result> => {
    const started = performance.now();
    try {
      return await call();
    } finally {
      const entry = totals.get(name) ?? { calls: 0, totalMs: 0 };
      entry.calls += 1;
      entry.totalMs += performance.now() - started;
      totals.set(name, entry);
    }
  };
  const sides = new Map<S3Client, string>();
  for (const [side, client] of Object.entries(clients)) {
    sides.set(client, side);
    client.middlewareStack.add(
      (next, context) => (args) => timed(`${side} ${context.commandName ?? 'unknown'}`, () => next(args)),
      { step: 'initialize', name: 'benchS3CallProfile' },
    );
  }
  return {
    objectTransport(client) {
      const side = sides.get(client) ?? 'unknown';
      const direct = directObjectTransport(client);
      return {
        get: (request) => timed(`${side} GetObject (direct)`, () => direct.get(request)),
        put: (request) => timed(`${side} PutObject (direct)`, () => direct.put(request)),
      };
    },
    profile: () =>
      Object.fromEntries(
        [...totals].map(([name, { calls, totalMs }]) => [
          name,
          { calls, totalMs: Math.round(totalMs), meanMs: Math.round((totalMs / calls) * 10) / 10 },
        ]),
      ),
  };
}
