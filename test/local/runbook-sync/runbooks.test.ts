import { describe, expect, it } from 'vitest';
import { runbookStates } from '../../../local/runbook-sync/sync-runbooks.ts';

describe('runbooks', () => {
  it('keeps every runbook input schema and diagram in step with the code', () => {
    const states = runbookStates(process.cwd());
    expect(states.length).toBeGreaterThan(0);
    for (const state of states) {
      // On failure: `npm run docs:runbooks` regenerates the sections from the code.
      expect(state.current, `${state.path} is stale`).toBe(state.expected);
    }
  }, 120_000);
});
