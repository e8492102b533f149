import { describe, expect, it } from 'vitest';
import { scenarioWithFixture } from '../../../../local/cli/drill/scenarios.ts';
import type { LocalLakehouse } from '../../../../local/lakehouse/index.ts';
import type { ExecutionResult } from '../../../../local/runner/execution-result.ts';

const result: ExecutionResult = { workflow: 'restore', status: 'SUCCEEDED', durationMs: 1, timeline: [] };
const lakehouse = {} as LocalLakehouse;
const context = { lakehouse, workflows: {} as never, notifications: [] };

function countingScenario() {
  const repaired: string[] = [];
  let injections = 0;
  const scenario = scenarioWithFixture({
    id: 'fixture',
    title: 'A scenario with a fixture',
    workflow: 'restore',
    input: {},
    inject: async () => {
      injections += 1;
      const name = `fixture ${injections}`;
      return { name, repair: async () => void repaired.push(name) };
    },
    evaluate: (_result, _context, fixture) => ({ passed: true, problems: [], details: [fixture.name] }),
  });
  return { scenario, repaired };
}

describe('scenarioWithFixture', () => {
  it('hands the fixture of the current injection to evaluate, and repairs that one', async () => {
    const { scenario, repaired } = countingScenario();
    const firstRepair = await scenario.inject?.(lakehouse);
    expect((await scenario.evaluate(result, context)).details).toEqual(['fixture 1']);
    const secondRepair = await scenario.inject?.(lakehouse);
    expect((await scenario.evaluate(result, context)).details).toEqual(['fixture 2']);
    await secondRepair?.();
    await firstRepair?.();
    expect(repaired).toEqual(['fixture 2', 'fixture 1']);
  });

  it('hands the fixture of the current injection to run', async () => {
    const ran: string[] = [];
    const scenario = scenarioWithFixture({
      id: 'fixture-run',
      title: 'A scenario that runs with its fixture',
      workflow: 'restore',
      input: {},
      inject: async () => ({ name: 'seeded', repair: async () => undefined }),
      run: async (_context, fixture) => {
        ran.push(fixture.name);
        return result;
      },
      evaluate: () => ({ passed: true, problems: [] }),
    });
    await expect(scenario.run?.({ lakehouse, workflows: {} as never })).rejects.toThrow(
      'drill scenario fixture-run was run before its fixture was set up',
    );
    await scenario.inject?.(lakehouse);
    await expect(scenario.run?.({ lakehouse, workflows: {} as never })).resolves.toBe(result);
    expect(ran).toEqual(['seeded']);
  });

  it('refuses to evaluate before a fixture was injected', () => {
    const { scenario } = countingScenario();
    expect(() => scenario.evaluate(result, context)).toThrow(
      'drill scenario fixture was evaluated before its fixture was set up',
    );
  });
});
