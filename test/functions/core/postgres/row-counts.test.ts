import { describe, expect, it } from 'vitest';
import { compareRowCounts } from '../../../../functions/core/postgres/row-counts.ts';

describe('compareRowCounts', () => {
  it('matches when every table has the same rows', () => {
    expect(
      compareRowCounts({ 'public.flow': 12, 'public.log': 0 }, { 'public.log': 0, 'public.flow': 12 }),
    ).toEqual({
      verdict: 'MATCH',
      tables: 2,
      reasons: [],
    });
  });

  it('gives one reason per differing, missing or unexpected table, in table order', () => {
    expect(
      compareRowCounts(
        { 'public.flow_run': 240, 'public.task_run': 720, 'public.flow': 12 },
        { 'public.flow_run': 239, 'public.flow': 12, 'public.extra': 3 },
      ),
    ).toEqual({
      verdict: 'MISMATCH',
      tables: 4,
      reasons: [
        "public.extra: restored with 3 rows but not in the dump's row counts",
        'public.flow_run: 240 rows at dump time, 239 restored',
        'public.task_run: 720 rows at dump time, missing after the restore',
      ],
    });
  });

  it('matches two empty databases', () => {
    expect(compareRowCounts({}, {})).toEqual({ verdict: 'MATCH', tables: 0, reasons: [] });
  });
});
