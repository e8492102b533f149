import { compareKeys } from './layout.ts';

/** One key of a merge join, with the row of each side that has it. */
export interface Joined<Left, Right> {
  key: string;
  left?: Left;
  right?: Right;
}

/**
 * Full outer merge join of two key-sorted async iterables. Holds one row of each side at a time,
 * so joining a listing of millions of objects with the previous manifest takes constant memory.
 * A side that is not strictly ascending (UTF-8 byte order, as S3 lists) is an error: the join
 * would otherwise report objects as deleted and new at once.
 */
export async function* mergeJoin<Left extends { key: string }, Right extends { key: string }>(
  left: AsyncIterable<Left>,
  right: AsyncIterable<Right>,
): AsyncGenerator<Joined<Left, Right>> {
  const leftRows = ordered(left, 'left');
  const rightRows = ordered(right, 'right');
  let nextLeft = await leftRows.next();
  let nextRight = await rightRows.next();
  while (!nextLeft.done || !nextRight.done) {
    const order = nextLeft.done
      ? 1
      : nextRight.done
        ? -1
        : compareKeys(nextLeft.value.key, nextRight.value.key);
    if (order < 0 && !nextLeft.done) {
      yield { key: nextLeft.value.key, left: nextLeft.value };
      nextLeft = await leftRows.next();
    } else if (order > 0 && !nextRight.done) {
      yield { key: nextRight.value.key, right: nextRight.value };
      nextRight = await rightRows.next();
    } else if (!nextLeft.done && !nextRight.done) {
      yield { key: nextLeft.value.key, left: nextLeft.value, right: nextRight.value };
      nextLeft = await leftRows.next();
      nextRight = await rightRows.next();
    }
  }
}

async function* ordered<Row extends { key: string }>(
  rows: AsyncIterable<Row>,
  side: string,
): AsyncGenerator<Row> {
  let previous: string | undefined;
  for await (const row of rows) {
    if (previous !== undefined && compareKeys(previous, row.key) >= 0) {
      throw new Error(
        `merge join: ${side} side is not in ascending key order (${JSON.stringify(row.key)} after ${JSON.stringify(previous)})`,
      );
    }
    previous = row.key;
    yield row;
  }
}
