import { compareKeys } from './layout.ts';

/**
 * Finds lines of a key-ordered stream (a manifest) by key, for keys asked in ascending order,
 * holding one line at a time: finalize looks up the few objects that vanished during a run without
 * reading the previous manifest into memory.
 */
export class OrderedLookup<Line extends { key: string }> {
  readonly #lines: AsyncIterator<Line>;
  #current: Line | undefined;
  #ended = false;

  constructor(lines: AsyncIterable<Line>) {
    this.#lines = lines[Symbol.asyncIterator]();
  }

  async find(key: string): Promise<Line | undefined> {
    while (!this.#ended && (this.#current === undefined || compareKeys(this.#current.key, key) < 0)) {
      await this.#advance();
    }
    return this.#current?.key === key ? this.#current : undefined;
  }

  /** Reads the rest of the stream, so a reader that checks its body at the end gets to check it. */
  async drain(): Promise<void> {
    while (!this.#ended) await this.#advance();
  }

  async #advance(): Promise<void> {
    const next = await this.#lines.next();
    this.#ended = next.done === true;
    this.#current = next.done ? undefined : next.value;
  }
}
