import { GIB, MIB } from '../../kubernetes/quantities.ts';

/**
 * The growth rule the memory and volume playbooks share: grow by a factor, round up to a whole
 * unit (what a person would have written), never beyond the cap.
 */

/** `320Mi` when the bytes are whole mebibytes, `20Gi` for whole gibibytes, plain bytes otherwise. */
export function formatBytes(bytes: number): string {
  if (bytes % GIB === 0) return `${bytes / GIB}Gi`;
  if (bytes % MIB === 0) return `${bytes / MIB}Mi`;
  return String(bytes);
}

/**
 * `current * factor` rounded up to a whole `unit`, at most `cap`; undefined when `current` is at
 * the cap already (nothing left to grow).
 */
export function grownBytes(current: number, factor: number, cap: number, unit: number): number | undefined {
  if (current >= cap) return undefined;
  return Math.min(Math.ceil((current * factor) / unit) * unit, cap);
}
