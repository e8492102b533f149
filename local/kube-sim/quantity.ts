import { quantityValue } from '../../functions/core/kubernetes/quantities.ts';

/**
 * Kubernetes resource quantities ("500m", "2", "1Gi", "512M", "1e3") as plain numbers: cores for
 * cpu, bytes for memory and storage, as kube-state-metrics exports them. The grammar is the one the
 * functions read quantities with (functions/core/kubernetes/quantities.ts), so the simulator and
 * the code under test never disagree on what a quantity is.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const value = quantityValue(quantity);
  if (value === undefined) {
    throw new Error(
      `"${quantity}" is not a Kubernetes quantity; expected a number with an optional suffix such as 500m, 2, 1Gi or 512M`,
    );
  }
  return value;
}
