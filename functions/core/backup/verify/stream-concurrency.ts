/**
 * `fn` over an async stream with at most `concurrency` calls in flight. Unlike mapConcurrent
 * (concurrency.ts) it never holds the whole input: the next item is pulled only when a slot is
 * free, so a manifest of millions of lines streams through in constant memory. The first failure
 * stops pulling, waits for the calls in flight, and is rethrown.
 */
export async function forEachConcurrent<Item>(
  items: AsyncIterable<Item>,
  concurrency: number,
  fn: (item: Item) => Promise<void>,
): Promise<void> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const call = fn(item).catch((error: unknown) => {
      failure ??= { error };
    });
    const tracked = call.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
    if (inflight.size >= concurrency) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure) throw failure.error;
}
