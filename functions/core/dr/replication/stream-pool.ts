/**
 * `work` over every item of an async iterable with at most `concurrency` in flight, pulling the
 * next item only when a slot is free: a listing of millions of keys streams through in constant
 * memory. `shouldStop` is asked before each item; the items in flight are finished either way.
 * Returns false when it stopped early.
 */
export async function forEachConcurrent<Item>(
  items: AsyncIterable<Item>,
  concurrency: number,
  work: (item: Item) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<boolean> {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let completed = true;
  try {
    for await (const item of items) {
      if (shouldStop()) {
        completed = false;
        break;
      }
      const running: Promise<void> = work(item).then(
        () => {
          inFlight.delete(running);
        },
        (error: unknown) => {
          inFlight.delete(running);
          failure ??= { error };
        },
      );
      inFlight.add(running);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) throw failure.error;
    }
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
  return completed;
}
