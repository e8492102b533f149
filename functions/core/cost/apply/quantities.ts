import { InvalidInputError } from '../../../commons/errors.ts';
import { MIB, parseBytes } from '../../remediation/playbooks/quantities.ts';

/**
 * The quantities right-sizing writes: CPU in whole millicores (`250m`, or `2` for whole cores),
 * memory in whole mebibytes (`768Mi`, or `2Gi`). Both round up, so a guardrail's floor (p99 usage)
 * is never undercut by the rounding.
 */
export function cpuMillicores(cores: number): number {
  // The epsilon keeps 0.25 cores (250.00000000000003 millicores in floating point) at 250m.
  return Math.ceil(cores * 1000 - 1e-9);
}

export function formatCpu(cores: number): string {
  const millicores = cpuMillicores(cores);
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

export function formatMemory(bytes: number): string {
  const mebibytes = Math.ceil(bytes / MIB - 1e-9);
  return mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi`;
}

/** `250m`, `0.5`, `2`: CPU cores. */
export function parseCpu(quantity: string): number {
  const match = /^(\d+(?:\.\d*)?|\.\d+)(m)?$/.exec(quantity.trim());
  if (!match) {
    throw new InvalidInputError(
      `"${quantity}" is not a CPU quantity: expected cores such as 2 or 0.5, or millicores such as 250m`,
      { quantity },
    );
  }
  const value = Number(match[1]);
  return match[2] === 'm' ? value / 1000 : value;
}

export function parseMemory(quantity: string): number {
  return parseBytes(quantity);
}
