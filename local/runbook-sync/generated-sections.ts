/**
 * The parts of a runbook that are generated from code: the input JSON Schema (from the workflow's
 * zod input schema) and the Mermaid diagram (from the synthesized ASL). Each lives between
 * `<!-- generated:<section> -->` and `<!-- /generated:<section> -->` markers; everything else in a
 * runbook is written by people and left untouched.
 */
import { z } from 'zod';
import { type AslMachine, aslToMermaid } from './asl-to-mermaid.ts';

export interface RunbookSources {
  definition: AslMachine;
  /** Classic or mini: toJSONSchema works on zod's core schema types. */
  inputSchema: z.core.$ZodType;
}

export function renderSections(sources: RunbookSources): Record<string, string> {
  const jsonSchema = z.toJSONSchema(sources.inputSchema, { io: 'input' });
  return {
    'input-schema': ['```json', JSON.stringify(jsonSchema, null, 2), '```'].join('\n'),
    diagram: ['```mermaid', aslToMermaid(sources.definition), '```'].join('\n'),
  };
}

export class MissingSectionError extends Error {
  override readonly name = 'MissingSectionError';
}

/** Replaces each generated section's body; a runbook missing a marker is an error, not a silent skip. */
export function applySections(markdown: string, sections: Record<string, string>): string {
  let result = markdown;
  for (const [section, body] of Object.entries(sections)) {
    const open = `<!-- generated:${section} -->`;
    const close = `<!-- /generated:${section} -->`;
    const start = result.indexOf(open);
    const end = result.indexOf(close);
    if (start < 0 || end < start) {
      throw new MissingSectionError(`runbook lacks the markers ${open} ... ${close}`);
    }
    result = `${result.slice(0, start + open.length)}\n${body}\n${result.slice(end)}`;
  }
  return result;
}
