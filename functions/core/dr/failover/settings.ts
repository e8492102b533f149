import * as z from 'zod/mini';
import { ConfigurationError } from '../../../commons/errors.ts';
import { parseJsonVariable } from '../../../commons/json-variable.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import type { NodeGroupSpec } from '../../provision/settings.ts';
import type { NeededPool } from './gates/dr-node-groups-capacity.ts';
import { DEFAULT_REPOSITORY_PREFIXES, type RepositoryPrefixes } from './gates/image-references.ts';

/**
 * The gates' limits and the DR side, as infra configures them (infra/config/dr-config.ts): the
 * RPO, the age a verify-backup verdict may have, the node group sizes the DR cluster must be able
 * to reach, and how upstream image registries map to the DR region's ECR.
 */
export const DEFAULT_RPO_SECONDS = 300;
export const DEFAULT_RTO_MINUTES = 30;
export const DEFAULT_VERIFY_BACKUP_MAX_AGE_HOURS = 48;

const nodeGroupSizesSchema = z.record(nonEmptyString(), z.number().check(z.int(), z.nonnegative()));

/**
 * The size each pool must reach in the DR cluster: the primary's configured desired size, unless
 * DR_NODE_GROUP_SIZES (`{"<pool>": <nodes>}`) says otherwise for some pools.
 */
export function neededPoolsFrom(
  primaryPools: readonly NodeGroupSpec[],
  sizesVariable?: string,
): NeededPool[] {
  const sizes = sizesVariable
    ? parseJsonVariable('DR_NODE_GROUP_SIZES', sizesVariable, nodeGroupSizesSchema)
    : {};
  const known = new Set(primaryPools.map((pool) => pool.name));
  const unknown = Object.keys(sizes).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `DR_NODE_GROUP_SIZES names pools the primary does not have (${unknown.join(', ')}); expected some of ${[...known].join(', ')}`,
      { variable: 'DR_NODE_GROUP_SIZES', unknown },
    );
  }
  return primaryPools.map((spec) => ({ spec, size: sizes[spec.name] ?? spec.desiredSize }));
}

const repositoryPrefixesSchema = z.record(
  nonEmptyString(),
  nonEmptyString().check(z.regex(/^[a-z0-9][a-z0-9._/-]*$/, 'expected an ECR repository prefix')),
);

/** DR_IMAGE_REPOSITORY_PREFIXES (`{"<registry host>": "<prefix>"}`) over the defaults. */
export function repositoryPrefixesFrom(variable?: string): RepositoryPrefixes {
  if (!variable) return DEFAULT_REPOSITORY_PREFIXES;
  return {
    ...DEFAULT_REPOSITORY_PREFIXES,
    ...parseJsonVariable('DR_IMAGE_REPOSITORY_PREFIXES', variable, repositoryPrefixesSchema),
  };
}
