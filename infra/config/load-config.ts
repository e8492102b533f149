import type { z } from 'zod';
import { development } from './development.ts';
import {
  ENVIRONMENT_NAMES,
  type EnvironmentConfig,
  type EnvironmentName,
  environmentConfigSchema,
} from './environment-config.ts';
import { production } from './production.ts';
import { staging } from './staging.ts';

const rawConfigs: Record<EnvironmentName, unknown> = { development, staging, production };

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/** Parses one environment's raw settings; the error lists every bad field by its path. */
export function parseEnvironmentConfig(raw: unknown, source: string): EnvironmentConfig {
  const result = environmentConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`Invalid configuration ${source}:\n${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

/** The validated settings of a named environment (`cdk synth -c env=<name>`). */
export function loadEnvironmentConfig(name: string): EnvironmentConfig {
  if (!isEnvironmentName(name)) {
    throw new Error(
      `Unknown environment "${name}": expected one of ${ENVIRONMENT_NAMES.join(', ')} (cdk synth -c env=<name>)`,
    );
  }
  const config = parseEnvironmentConfig(
    rawConfigs[name],
    `for environment "${name}" (infra/config/${name}.ts)`,
  );
  if (config.name !== name) {
    throw new Error(`infra/config/${name}.ts declares name "${config.name}": expected "${name}"`);
  }
  return config;
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `  - ${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}
