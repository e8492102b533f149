import * as z from 'zod/mini';
import english from 'zod/v4/locales/en.js';

/**
 * Turns zod issues into one line per problem that an operator can act on without reading code:
 * `suite: expected one of "full", got "fast"`. Workflow inputs are typed by hand in the console,
 * so the message has to say both what was wrong and what would have been accepted.
 */
export interface ProblemOptions {
  /** Echo the offending value (off for environment variables, which may hold secrets). */
  showInput: boolean;
}

const MAX_VALUE_LENGTH = 60;

/**
 * zod/mini loads no locale (every message would read "Invalid input"), and classic zod's English
 * one is a global that only exists where classic zod happens to be imported. Passing the English
 * messages with each parse makes them the same in a Lambda bundle, in infra and in the tests.
 */
const englishMessages = english().localeError;

export function describeSchemaProblems(
  issues: readonly z.core.$ZodIssue[],
  options: ProblemOptions,
): string[] {
  return issues.flatMap((issue) => describeIssue(issue, options));
}

/** `safeParse` with English issue messages; accepts classic and mini schemas alike. */
export function safeParseWithMessages<Schema extends z.core.$ZodType>(
  schema: Schema,
  data: unknown,
  options: ProblemOptions = { showInput: true },
): z.util.SafeParseResult<z.output<Schema>> {
  return z.safeParse(schema, data, { reportInput: options.showInput, error: englishMessages });
}

/** Parses `data`, or throws the error `fail` builds from the list of problems. */
export function parseOrThrow<Schema extends z.core.$ZodType>(
  schema: Schema,
  data: unknown,
  fail: (problems: string[]) => Error,
  options: ProblemOptions = { showInput: true },
): z.output<Schema> {
  const result = safeParseWithMessages(schema, data, options);
  if (result.success) return result.data;
  throw fail(describeSchemaProblems(result.error.issues, options));
}

function describeIssue(issue: z.core.$ZodIssue, options: ProblemOptions): string[] {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key, not accepted here`);
  }
  const got = describeInput(issue.input, options);
  switch (issue.code) {
    case 'invalid_value':
      return [
        `${where}: expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}${got}`,
      ];
    case 'invalid_type':
      return [
        `${where}: expected ${issue.expected}${issue.input === undefined ? ', got nothing (missing)' : got}`,
      ];
    default:
      return [`${where}: ${lowerFirst(issue.message)}${got}`];
  }
}

function describeInput(input: unknown, { showInput }: ProblemOptions): string {
  if (!showInput || input === undefined) return '';
  const text = JSON.stringify(input) ?? String(input);
  return `, got ${text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}...` : text}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      return index === 0 ? String(segment) : `.${String(segment)}`;
    })
    .join('');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
