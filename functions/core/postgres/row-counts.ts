import type { RowCounts } from './dump-objects.ts';

/**
 * verify-backup's verdict on a restore: every table the dump counted must come back with the same
 * number of rows, and no table may appear that the dump did not have.
 */
export interface RowCountComparison {
  verdict: 'MATCH' | 'MISMATCH';
  tables: number;
  /** One line per difference, e.g. `public.flow_run: 240 rows at dump time, 239 restored`. */
  reasons: string[];
}

export function compareRowCounts(expected: RowCounts, actual: RowCounts): RowCountComparison {
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const reasons = tables.flatMap((table) => {
    const dumped = expected[table];
    const restored = actual[table];
    if (restored === undefined) return [`${table}: ${dumped} rows at dump time, missing after the restore`];
    if (dumped === undefined)
      return [`${table}: restored with ${restored} rows but not in the dump's row counts`];
    return dumped === restored ? [] : [`${table}: ${dumped} rows at dump time, ${restored} restored`];
  });
  return { verdict: reasons.length === 0 ? 'MATCH' : 'MISMATCH', tables: tables.length, reasons };
}
