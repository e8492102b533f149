import type * as z from 'zod/v4/core';
import { validatePlatformRequestSchema } from '../../functions/core/validation/request.ts';
import { UsageError } from './usage-error.ts';

/**
 * The workflows the CLI can start and the schema each one's input must satisfy. The schema is the
 * one the workflow's own first step validates with, checked here as well so that bad input is
 * refused before anything starts. A new workflow plugs in with one entry.
 */
export interface WorkflowEntry {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.$ZodType;
  /** Used when `run` gets no --input. */
  readonly defaultInput: unknown;
}

const entries: readonly WorkflowEntry[] = [
  {
    name: 'validate-platform',
    description: 'full health suite: EKS, nodes, Prefect, MinIO, s5cmd, monitoring',
    inputSchema: validatePlatformRequestSchema,
    defaultInput: { requestedBy: 'lakehouse-ops-cli' },
  },
];

export const WORKFLOW_REGISTRY: ReadonlyMap<string, WorkflowEntry> = new Map(
  entries.map((entry) => [entry.name, entry]),
);

export function requireWorkflow(name: string): WorkflowEntry {
  const entry = WORKFLOW_REGISTRY.get(name);
  if (!entry) {
    const known = [...WORKFLOW_REGISTRY.values()].map(
      (workflow) => `  ${workflow.name}  ${workflow.description}`,
    );
    throw new UsageError(`Unknown workflow "${name}". Known workflows:\n${known.join('\n')}`);
  }
  return entry;
}
