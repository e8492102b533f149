/**
 * Regenerates the generated sections of every runbook from the code: the input JSON Schema from
 * the CLI's workflow registry (the same zod schema the workflow's first step validates with) and
 * the diagram from the synthesized state machine.
 *
 *   npm run docs:runbooks            # rewrite runbooks/<workflow>.md in place
 *   npm run docs:runbooks -- --check # exit 1 and name the stale runbooks (used by the tests)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_REGISTRY } from '../cli/workflow-registry.ts';
import { synthesizeOpsStack } from '../runner/template.ts';
import { localPseudoParameters, resolveWorkflowDefinitions } from '../runner/workflows.ts';
import type { AslMachine } from './asl-to-mermaid.ts';
import { applySections, renderSections } from './generated-sections.ts';

export interface RunbookState {
  workflow: string;
  path: string;
  current: string;
  expected: string;
}

export function runbookStates(repositoryRoot: string, environment = 'development'): RunbookState[] {
  const { stackName, template } = synthesizeOpsStack(environment);
  const definitions = resolveWorkflowDefinitions(template, localPseudoParameters('eu-central-1', stackName));
  return [...WORKFLOW_REGISTRY.values()].map((entry) => {
    const deployed = definitions.find((definition) => definition.name === entry.name);
    if (!deployed)
      throw new Error(`workflow ${entry.name} is in the CLI registry but not in the synthesized stack`);
    const path = join(repositoryRoot, 'runbooks', `${entry.name}.md`);
    const current = readFileSync(path, 'utf8');
    const sections = renderSections({
      definition: deployed.definition as unknown as AslMachine,
      inputSchema: entry.inputSchema,
    });
    return { workflow: entry.name, path, current, expected: applySections(current, sections) };
  });
}

function main(): void {
  const check = process.argv.includes('--check');
  const stale = runbookStates(process.cwd()).filter((state) => state.current !== state.expected);
  if (check) {
    for (const state of stale) console.error(`stale: ${state.path} (run npm run docs:runbooks)`);
    process.exitCode = stale.length > 0 ? 1 : 0;
    return;
  }
  for (const state of stale) {
    writeFileSync(state.path, state.expected);
    console.log(`updated ${state.path}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
