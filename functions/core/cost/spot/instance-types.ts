/**
 * What a managed node group's instance types must satisfy. Spot capacity is reclaimed per
 * instance pool (type x zone); the capacity-optimised allocation EKS uses for spot groups only
 * helps when it has many pools to choose from, hence at least SPOT_MIN_INSTANCE_TYPES types (AWS's
 * own guidance is "at least 10 across families"; the issue asks for 6). One AMI serves the whole
 * group, so every type must run the AMI's architecture.
 */
export const SPOT_MIN_INSTANCE_TYPES = 6;

export type Architecture = 'x86_64' | 'arm64';

/**
 * `m6i.xlarge` -> family `m`, generation `6`, attributes `i`. Graviton (arm64) types carry a `g`
 * as their first attribute (m6g, c7gn, r6gd, t4g, im4gn, is4gen, g5g, hpc7g); a1 is the first
 * Graviton generation. Every other family EKS runs is x86_64.
 */
const INSTANCE_TYPE = /^(?<family>[a-z]+)(?<generation>\d+)(?<attributes>[a-z-]*)\.(?<size>[a-z0-9]+)$/;

export function architectureOf(instanceType: string): Architecture | undefined {
  const parts = INSTANCE_TYPE.exec(instanceType)?.groups;
  if (!parts) return undefined;
  if (parts.family === 'a' && parts.generation === '1') return 'arm64';
  return parts.attributes?.startsWith('g') ? 'arm64' : 'x86_64';
}

/** The architecture an EKS AMI type runs; undefined for CUSTOM (the launch template's AMI decides). */
export function architectureOfAmiType(amiType: string | undefined): Architecture | undefined {
  if (!amiType || amiType === 'CUSTOM') return undefined;
  return /ARM_64|ARM64/.test(amiType) ? 'arm64' : 'x86_64';
}

export interface InstanceTypeRequirements {
  readonly capacityType: 'ON_DEMAND' | 'SPOT';
  /** The group's AMI type (`AL2023_x86_64_STANDARD`); its architecture binds every type. */
  readonly amiType?: string;
}

/** Why these instance types cannot make the group; empty when they can. */
export function instanceTypeProblems(
  instanceTypes: readonly string[],
  { capacityType, amiType }: InstanceTypeRequirements,
): string[] {
  const problems: string[] = [];
  const distinct = [...new Set(instanceTypes)];
  if (distinct.length !== instanceTypes.length) problems.push('instance types are listed more than once');
  if (capacityType === 'SPOT' && distinct.length < SPOT_MIN_INSTANCE_TYPES) {
    problems.push(
      `a spot node group needs at least ${SPOT_MIN_INSTANCE_TYPES} instance types so that capacity-optimised allocation can avoid reclaimed pools; got ${distinct.length} (${distinct.join(', ') || 'none'})`,
    );
  }
  const unknown = distinct.filter((type) => architectureOf(type) === undefined);
  if (unknown.length > 0) {
    problems.push(`not EC2 instance types (expected e.g. m6i.xlarge): ${unknown.join(', ')}`);
  }
  const byArchitecture = new Map<Architecture, string[]>();
  for (const type of distinct) {
    const architecture = architectureOf(type);
    if (architecture) byArchitecture.set(architecture, [...(byArchitecture.get(architecture) ?? []), type]);
  }
  if (byArchitecture.size > 1) {
    const mixed = [...byArchitecture].map(([architecture, types]) => `${architecture}: ${types.join(', ')}`);
    problems.push(
      `instance types must share one architecture (one AMI serves the group); got ${mixed.join('; ')}`,
    );
  }
  const required = architectureOfAmiType(amiType);
  const wrong = required ? (byArchitecture.size === 1 && !byArchitecture.has(required) ? distinct : []) : [];
  if (wrong.length > 0) {
    problems.push(`AMI type ${amiType} runs ${required}, but ${wrong.join(', ')} are not ${required}`);
  }
  return problems;
}
