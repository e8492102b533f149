import type { ClusterEnvironment } from './environments.ts';

/**
 * The Secrets Manager name of one of the environment's platform secrets: `lakehouse/<env>/<name>`.
 * In a module of its own, free of infra/config: the provision Lambda bundles the manifest sources,
 * and environments.ts's imports would bring aws-cdk-lib and classic zod into it.
 */
export function platformSecretName(environment: ClusterEnvironment, name: string): string {
  return `lakehouse/${environment.name}/${name}`;
}
