/**
 * `fn` over `items` with at most `concurrency` calls in flight, results in input order. A tiny
 * worker pool instead of a dependency: the backup needs nothing more, and Lambda bundles stay small.
 */
export async function mapConcurrent<Item, Result>(
  items: readonly Item[],
  concurrency: number,
  fn: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/**
 * At most `limit` bytes held at once by the callers of `use`: objects below the multipart threshold
 * are read whole before their PUT, so `concurrency` of them at the threshold would otherwise need
 * concurrency x threshold of memory. A request bigger than the limit waits until nothing else is
 * held, then runs alone (it cannot fit, and refusing it would fail the object for a tuning value).
 */
export class ByteBudget {
  #held = 0;
  readonly #waiting: { bytes: number; start: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`a byte budget must be a positive integer, got ${limit}`);
    }
  }

  async use<Result>(bytes: number, work: () => Promise<Result>): Promise<Result> {
    if (this.#waiting.length > 0 || !this.#fits(bytes)) {
      // First come, first served: a large object is not starved by a stream of small ones. The
      // waker counts the bytes as held before it wakes the waiter.
      await new Promise<void>((start) => this.#waiting.push({ bytes, start }));
    } else {
      this.#held += bytes;
    }
    try {
      return await work();
    } finally {
      this.#held -= bytes;
      this.#wakeWaiting();
    }
  }

  #fits(bytes: number): boolean {
    return this.#held === 0 || this.#held + bytes <= this.limit;
  }

  #wakeWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const next = this.#waiting.shift()!;
      this.#held += next.bytes;
      next.start();
    }
  }
}
