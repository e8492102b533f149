import { readFile } from 'node:fs/promises';
import { parseOrThrow } from '../../functions/commons/schema-problems.ts';
import { UsageError } from './usage-error.ts';
import type { WorkflowEntry } from './workflow-registry.ts';

/**
 * Reads `--input`: inline JSON when it starts like a JSON object or array, otherwise a file path.
 * Then checks it against the workflow's input schema and returns the input as given (the workflow
 * applies defaults itself, exactly as it would for input typed into the console).
 */
export async function readWorkflowInput(
  workflow: WorkflowEntry,
  source: string | undefined,
): Promise<unknown> {
  const input =
    source === undefined ? workflow.defaultInput : parseJson(await readSource(source), describe(source));
  parseOrThrow(workflow.inputSchema, input, (problems) => {
    const list = problems.map((problem) => `  - ${problem}`).join('\n');
    return new UsageError(`Input for ${workflow.name} is invalid:\n${list}`, false);
  });
  return input;
}

function isInlineJson(source: string): boolean {
  return /^\s*[[{]/.test(source);
}

function describe(source: string): string {
  return isInlineJson(source) ? 'the --input JSON' : `input file ${source}`;
}

async function readSource(source: string): Promise<string> {
  if (isInlineJson(source)) return source;
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(
      `Cannot read input file ${source}: ${reason}. Pass a JSON file path or inline JSON such as '{"notify": false}'.`,
      false,
    );
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`, false);
  }
}
