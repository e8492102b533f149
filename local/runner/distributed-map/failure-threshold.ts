import { type ContextObject, queryPath } from '../payload-template.ts';
import { StatesError } from './states-error.ts';

/**
 * The tolerated failure threshold of a Distributed Map, as Step Functions documents it: the Map Run
 * fails with States.ExceedToleratedFailureThreshold when the failed (or timed-out) items exceed
 * ToleratedFailureCount, or when their share of all items exceeds ToleratedFailurePercentage; with
 * both set, exceeding either fails it; with neither, the tolerance is 0% (any failure fails it).
 */
export interface FailureThreshold {
  readonly count?: number;
  readonly percentage?: number;
}

export interface ThresholdFields {
  readonly ToleratedFailureCount?: unknown;
  readonly ToleratedFailureCountPath?: unknown;
  readonly ToleratedFailurePercentage?: unknown;
  readonly ToleratedFailurePercentagePath?: unknown;
}

export const EXCEEDED_ERROR = 'States.ExceedToleratedFailureThreshold';

export function resolveFailureThreshold(
  fields: ThresholdFields,
  input: unknown,
  context: ContextObject,
  stateName: string,
): FailureThreshold {
  const read = (field: keyof ThresholdFields, pathField: keyof ThresholdFields, max: number) => {
    const path = fields[pathField];
    const value =
      typeof path === 'string' ? queryPath(path, input, `${stateName}.${pathField}`, context) : fields[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || value < 0 || value > max) {
      throw new StatesError(
        'States.Runtime',
        `${stateName}: ${field} must be a number from 0 to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const count = read('ToleratedFailureCount', 'ToleratedFailureCountPath', Number.MAX_SAFE_INTEGER);
  const percentage = read('ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 100);
  if (count === undefined && percentage === undefined) return { percentage: 0 };
  return { ...(count === undefined ? {} : { count }), ...(percentage === undefined ? {} : { percentage }) };
}

export function exceedsThreshold(threshold: FailureThreshold, failed: number, total: number): boolean {
  if (threshold.count !== undefined && failed > threshold.count) return true;
  return threshold.percentage !== undefined && total > 0 && (failed * 100) / total > threshold.percentage;
}

export function thresholdExceededError(
  threshold: FailureThreshold,
  failed: number,
  total: number,
): StatesError {
  const tolerated = [
    threshold.count === undefined ? undefined : `${threshold.count} items`,
    threshold.percentage === undefined ? undefined : `${threshold.percentage}%`,
  ].filter(Boolean);
  return new StatesError(
    EXCEEDED_ERROR,
    `The specified tolerated failure threshold was exceeded: ${failed} of ${total} items failed (tolerated: ${tolerated.join(' or ')})`,
  );
}
