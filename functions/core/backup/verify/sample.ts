import { createHash } from 'node:crypto';

/**
 * Which manifest entries verify-backup re-reads. The sample is the `size` entries with the
 * smallest rank, a keyed hash of (seed, key): a bottom-k sample, which is a uniform random sample
 * of exactly `size` entries that depends only on the seed and the keys (not on listing order or on
 * how the work is sharded). Finding it needs one pass holding `size` numbers, never the entries;
 * a second pass then checks every entry whose rank is at most the k-th smallest.
 */

/** A rank in [0, 2^48): the first 6 bytes of SHA-256(seed NUL key). */
export function sampleRank(seed: string, key: string): number {
  return createHash('sha256').update(seed).update('\0').update(key).digest().readUIntBE(0, 6);
}

/**
 * How many of `population` entries to check: `share` of them rounded up, at least `minimum`,
 * at most all of them.
 */
export function sampleSize(population: number, share: number, minimum: number): number {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be within 0..1, got ${share}`);
  return Math.min(population, Math.max(minimum, Math.ceil(share * population)));
}

/** The shard (of `count`) that checks an entry; from the rank, so shards get even shares. */
export function shardOfRank(rank: number, count: number): number {
  return rank % count;
}

/**
 * The k smallest ranks seen, as a max-heap of numbers: `threshold()` is the largest rank still in
 * the sample (-1 while k is 0, so nothing qualifies).
 */
export class SmallestRanks {
  readonly #heap: number[] = [];

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`sample size must be a non-negative integer, got ${size}`);
    }
  }

  offer(rank: number): void {
    if (this.size === 0) return;
    const heap = this.#heap;
    if (heap.length < this.size) {
      heap.push(rank);
      this.#siftUp(heap.length - 1);
    } else if (rank < heap[0]!) {
      heap[0] = rank;
      this.#siftDown(0);
    }
  }

  threshold(): number {
    return this.#heap.length === 0 ? -1 : this.#heap[0]!;
  }

  #siftUp(start: number): void {
    const heap = this.#heap;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]! >= heap[index]!) return;
      [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
      index = parent;
    }
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let largest = index;
      if (left < heap.length && heap[left]! > heap[largest]!) largest = left;
      if (right < heap.length && heap[right]! > heap[largest]!) largest = right;
      if (largest === index) return;
      [heap[largest], heap[index]] = [heap[index]!, heap[largest]!];
      index = largest;
    }
  }
}
