/**
 * Kubernetes resource quantities ("500m", "2", "1Gi", "512M", "1e3") as plain numbers: cores for
 * cpu, bytes for memory and storage, as kube-state-metrics exports them.
 */
const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
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

export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$/.exec(
    quantity.trim(),
  );
  if (!match) {
    throw new Error(
      `"${quantity}" is not a Kubernetes quantity; expected a number with an optional suffix such as 500m, 2, 1Gi or 512M`,
    );
  }
  return Number(match[1]) * SUFFIXES[match[2] ?? '']!;
}
