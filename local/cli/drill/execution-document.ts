import * as z from 'zod/v4/core';
import type { ExecutionResult } from '../../runner/execution-result.ts';

/**
 * The document a workflow hands to whoever started it: its output when it succeeded, or the JSON
 * cause of its named failure state otherwise (validate-platform's PlatformUnhealthy, backup's
 * BackupFailed, verify-backup's BackupVerificationFailed fail the execution with the report as
 * cause, so the console shows red and the report is still there; restore has no such state).
 * Undefined when there is none (another error, a cause that is not JSON) or it does not match the
 * schema.
 */
export function documentOf<Schema extends z.$ZodType>(
  result: ExecutionResult,
  schema: Schema,
  failureError?: string,
): z.output<Schema> | undefined {
  const parsed = z.safeParse(schema, candidateOf(result, failureError));
  return parsed.success ? parsed.data : undefined;
}

function candidateOf(result: ExecutionResult, failureError: string | undefined): unknown {
  if (result.status === 'SUCCEEDED') return result.output;
  if (failureError === undefined || result.error !== failureError || result.cause === undefined)
    return undefined;
  try {
    return JSON.parse(result.cause);
  } catch {
    return undefined;
  }
}

/** "execution FAILED with X: cause", for problems that say why a scenario has no document. */
export function describeExecution(result: ExecutionResult): string {
  return `execution ${result.status}${result.error ? ` with ${result.error}: ${result.cause}` : ''}`;
}
