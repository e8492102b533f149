import { InvalidInputError } from '../../commons/errors.ts';

/**
 * Resource quantities as Kubernetes writes them (`250m`, `2`, `256Mi`, `1.5Gi`, `1G`, `1e9`): one
 * reading for every domain that compares or grows a cluster's requests, limits and volume sizes.
 * The grammar is the API server's: a signed decimal number, then one binary suffix, one decimal
 * suffix or one exponent.
 */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

const DECIMAL_EXPONENTS: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_MULTIPLIERS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

/** The number a quantity stands for (cores, bytes), or undefined when the text is no quantity. */
export function quantityValue(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity.trim());
  if (!match) return undefined;
  const [, number = '', exponent, suffix = ''] = match;
  const binary = BINARY_MULTIPLIERS[suffix];
  if (binary !== undefined) return Number(number) * binary;
  // Shifting the decimal exponent, rather than multiplying by 1e-3, keeps 250m at exactly 0.25.
  return Number(`${number}e${Number(exponent ?? 0) + (DECIMAL_EXPONENTS[suffix] ?? 0)}`);
}

/** Whole bytes, rounded up as the API server rounds a fractional byte quantity. */
export function parseBytes(quantity: string): number {
  return Math.ceil(
    amountOf(quantity, 'a byte quantity', 'a number with an optional suffix such as 512Mi, 2Gi or 1G'),
  );
}

/** CPU cores: `250m` is 0.25, `2` is 2. */
export function parseCpu(quantity: string): number {
  return amountOf(quantity, 'a CPU quantity', 'cores such as 2 or 0.5, or millicores such as 250m');
}

/** A resource amount: a quantity that is not negative. */
function amountOf(quantity: string, kind: string, expected: string): number {
  const value = quantityValue(quantity);
  if (value === undefined || value < 0) {
    throw new InvalidInputError(`"${quantity}" is not ${kind}: expected ${expected}`, { quantity });
  }
  return value;
}
