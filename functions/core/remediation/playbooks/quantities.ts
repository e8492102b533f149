import { InvalidInputError } from '../../../commons/errors.ts';

/**
 * Byte quantities as Kubernetes writes them (`256Mi`, `1G`, `1.5Gi`, `536870912`, `1e9`), and the
 * growth rule the memory and volume playbooks share: grow by a factor, round up to a whole unit
 * (what a person would have written), never beyond the cap.
 */
const MULTIPLIERS: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

export function parseBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(
    quantity.trim(),
  );
  if (!match) {
    throw new InvalidInputError(
      `"${quantity}" is not a byte quantity: expected a number with an optional suffix such as 512Mi, 2Gi or 1G`,
      { quantity },
    );
  }
  const [, number, exponent, suffix = ''] = match;
  return Math.ceil(Number(number) * 10 ** Number(exponent ?? 0) * MULTIPLIERS[suffix]!);
}

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
