import { production } from '../../../infra/config/production.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests write arbitrary (invalid) values into the raw settings.
export type RawSettings = Record<string, any>;

/** A deep copy of production's raw settings with one change applied. */
export function productionWith(change: (raw: RawSettings) => void): unknown {
  const raw = structuredClone(production) as RawSettings;
  change(raw);
  return raw;
}

export function captureError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
