import type { LocalFunction } from './lambda-functions.ts';

/**
 * The environment the handlers run with locally. All handlers share one process, so their variables
 * are merged into one set: a variable the local lakehouse provides (its endpoints, cluster, topic,
 * secret) takes the local value, any other literal from the template is kept as deployed, a token
 * (a value known only after deployment) that names a resource the runner deploys locally (an S3
 * bucket, a function: `resolveToken`) takes its local value, and any other token is an error
 * naming it.
 */

/** The local value of a template token, or undefined when the runner has none. */
export type TokenResolver = (token: unknown) => string | undefined;

/** Lambda runtime settings that mean nothing in-process (and would leak into child processes). */
const RUNTIME_ONLY_VARIABLES = new Set(['NODE_OPTIONS', 'AWS_NODEJS_CONNECTION_REUSE_ENABLED']);

export class LocalEnvironmentError extends Error {
  override readonly name = 'LocalEnvironmentError';
}

export function resolveHandlerEnvironment(
  functions: Iterable<LocalFunction>,
  localValues: Readonly<Record<string, string>>,
  resolveToken: TokenResolver = () => undefined,
): Record<string, string> {
  const merged: Record<string, string> = {};
  const origin: Record<string, string> = {};
  const problems: string[] = [];
  for (const fn of functions) {
    for (const [name, declared] of Object.entries(fn.environment)) {
      if (RUNTIME_ONLY_VARIABLES.has(name)) continue;
      const local = localValues[name];
      const value = local ?? (typeof declared === 'string' ? declared : resolveToken(declared));
      if (value === undefined) {
        problems.push(
          `${fn.functionName}: ${name} is ${JSON.stringify(declared)} in the template (known only once deployed) and the local lakehouse provides no value for it`,
        );
        continue;
      }
      if (name in merged && merged[name] !== value) {
        problems.push(
          `${name} differs between ${origin[name]} (${JSON.stringify(merged[name])}) and ${fn.functionName} (${JSON.stringify(value)}), but all handlers share one local process`,
        );
        continue;
      }
      merged[name] = value;
      origin[name] = fn.functionName;
    }
  }
  if (problems.length > 0) {
    throw new LocalEnvironmentError(
      `Cannot build the handlers' local environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  // Variables the lakehouse provides beyond the template (region, credentials, endpoints) apply too.
  return { ...localValues, ...merged };
}
