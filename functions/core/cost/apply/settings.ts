import * as z from 'zod/mini';
import { parseJsonVariable } from '../../../commons/json-variable.ts';

/**
 * How right-sizing is applied in one environment (infra config `cost.rightsizing.apply`, written as
 * the RIGHTSIZING_APPLY environment variable in JSON). Every default is the cautious one: nothing
 * is applied until an environment says `mode: 'on'`. How long the workflow watches after applying,
 * and how long an approval waits, are the workflow's own settings (its Wait state and its Task
 * timeout are fixed when it is synthesized).
 */
export const APPLY_MODES = ['off', 'dry-run', 'on'] as const;
export type ApplyMode = (typeof APPLY_MODES)[number];

/** A fraction in [0, 1): 0.3 is 30 %. */
const fraction = () => z.number().check(z.gte(0), z.lt(1));

export const applySettingsSchema = z.object({
  /** off: recommend and report only; dry-run: also show the patches (server-side dry run); on: apply. */
  mode: z._default(z.enum(APPLY_MODES), 'off'),
  /**
   * Every applied change waits for a person (production). The stateful tier waits for one in
   * every environment regardless of this.
   */
  requireApproval: z._default(z.boolean(), true),
  /** The most a workload's request or limit may fall within any 7 days, as a fraction of its value a week ago. */
  maxWeeklyDecrease: z._default(fraction(), 0.3),
  /** More OOM kills in the watched period than in the same period before the change: roll back. */
  maxOomKillIncrease: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  /**
   * Throttled share of CFS periods (0..1) that may rise above the level before the change before
   * the change is rolled back: 0.1 = ten percentage points.
   */
  maxThrottlingIncrease: z._default(fraction(), 0.1),
});
export type ApplySettings = z.output<typeof applySettingsSchema>;

export function parseApplySettings(text: string): ApplySettings {
  return parseJsonVariable('RIGHTSIZING_APPLY', text, applySettingsSchema, 'right-sizing apply settings');
}
