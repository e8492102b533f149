import { describe, expect, it } from 'vitest';
import { mergeJoin } from '../../../../functions/core/backup/merge-join.ts';
import { collect } from './support/backup-endpoints.ts';

async function* rows(...keys: string[]) {
  for (const key of keys) yield { key, side: key };
}

describe('mergeJoin', () => {
  it('pairs equal keys and passes through keys present on one side only, in key order', async () => {
    const joined = await collect(mergeJoin(rows('a', 'c', 'd', 'f'), rows('b', 'c', 'f', 'g')));
    expect(joined.map(({ key, left, right }) => [key, Boolean(left), Boolean(right)])).toEqual([
      ['a', true, false],
      ['b', false, true],
      ['c', true, true],
      ['d', true, false],
      ['f', true, true],
      ['g', false, true],
    ]);
  });

  it('handles an empty side', async () => {
    expect((await collect(mergeJoin(rows(), rows('a', 'b')))).map((row) => row.key)).toEqual(['a', 'b']);
    expect((await collect(mergeJoin(rows('a'), rows()))).map((row) => row.key)).toEqual(['a']);
    expect(await collect(mergeJoin(rows(), rows()))).toEqual([]);
  });

  it('fails when a side is out of order instead of misclassifying rows', async () => {
    await expect(collect(mergeJoin(rows('b', 'a'), rows('a')))).rejects.toThrow(
      /left side is not in ascending/,
    );
    await expect(collect(mergeJoin(rows('a'), rows('a', 'a')))).rejects.toThrow(/right side/);
  });
});
