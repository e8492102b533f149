/**
 * Stores `entry` under `key` and forgets it again if `pending` rejects, so that a failed lookup
 * (a throttled call, a secret not yet created) is retried by the next invocation instead of being
 * served from the cache for the life of the execution environment.
 */
export function cacheUntilRejected<Key, Entry>(
  cache: Map<Key, Entry>,
  key: Key,
  entry: Entry,
  pending: Promise<unknown>,
): void {
  cache.set(key, entry);
  pending.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
}
