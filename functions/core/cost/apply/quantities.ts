import { MIB } from '../../kubernetes/quantities.ts';

// Right-sizing reads the cluster's strings with the one Kubernetes reading; the drill's checks
// (local/cli/drill) read them through these names too.
export { parseBytes as parseMemory, parseCpu } from '../../kubernetes/quantities.ts';

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
