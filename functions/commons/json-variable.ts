import type * as z from 'zod/mini';
import { ConfigurationError } from './errors.ts';
import { parseOrThrow } from './schema-problems.ts';

/**
 * An environment variable that infra writes as JSON from the validated config (routing, limits,
 * change windows, the provision settings): parsed and shape-checked, or a ConfigurationError that
 * names the variable and what is wrong. The check catches a hand-edited or truncated variable.
 *
 * `expected` words the shape for the message (`a list of change windows`); "invalid" otherwise.
 */
export function parseJsonVariable<Schema extends z.core.$ZodType>(
  name: string,
  text: string,
  schema: Schema,
  expected?: string,
): z.output<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${name} is not valid JSON: ${(error as Error).message}`, {
      variable: name,
    });
  }
  return parseOrThrow(
    schema,
    json,
    (problems) =>
      new ConfigurationError(
        `${name} is ${expected ? `not ${expected}` : 'invalid'}: ${problems.join('; ')}`,
        {
          variable: name,
          problems,
        },
      ),
  );
}
