import * as z from 'zod/mini';
import { parseJsonVariable } from '../../commons/json-variable.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { admitThroughBreaker, type BreakerSettings, type BreakerTable, readBreaker } from './breaker.ts';
import { PLAYBOOK_NAMES } from './playbooks/catalogue.ts';
import { actionLimits, giveBack, peekRateLimits, takeRateLimits, windowStart } from './rate-limits.ts';

/**
 * May this playbook act on this target now, as far as the shared limits go? The breaker first
 * (an open breaker only escalates), then the rate limits (global, playbook, target), then, when
 * the breaker is half-open, its single trial. A dry run only looks: it takes no slot and no trial,
 * so shadow mode never uses up what real actions may do.
 */
export const limitsSettingsSchema = z.object({
  rateLimits: z.object({
    globalPerHour: z.number().check(z.int(), z.positive()),
    perPlaybookPerHour: z.number().check(z.int(), z.positive()),
    perTargetPerHour: z.number().check(z.int(), z.positive()),
  }),
  breaker: z.object({
    failures: z.number().check(z.int(), z.positive()),
    windowMinutes: z.number().check(z.positive()),
    openMinutes: z.number().check(z.positive()),
  }),
});
export type LimitsSettings = z.output<typeof limitsSettingsSchema>;

export function parseLimitsSettings(text: string): LimitsSettings {
  return parseJsonVariable('REMEDIATION_LIMITS', text, limitsSettingsSchema);
}

export const limitsRequestSchema = z.object({
  playbook: z.enum(PLAYBOOK_NAMES),
  targetKey: nonEmptyString(),
  dryRun: z.boolean(),
});
export type LimitsRequest = z.output<typeof limitsRequestSchema>;

export type LimitsDecision =
  | { readonly admitted: true; readonly trial: boolean; readonly detail: string }
  | { readonly admitted: false; readonly limit: 'breaker' | 'rate'; readonly detail: string };

export async function checkRemediationLimits(
  table: BreakerTable,
  settings: LimitsSettings,
  request: LimitsRequest,
  now: Date,
): Promise<LimitsDecision> {
  const breaker: BreakerSettings = settings.breaker;
  const state = await readBreaker(table, request.playbook, now, breaker);
  if (state.state === 'OPEN') {
    return {
      admitted: false,
      limit: 'breaker',
      detail: `the ${request.playbook} breaker is open until ${state.openUntil} after ${state.openedAfterFailures} failures`,
    };
  }
  const limits = actionLimits(settings.rateLimits, request.playbook, request.targetKey);
  const rate = request.dryRun
    ? await peekRateLimits(table, limits, now)
    : await takeRateLimits(table, limits, now);
  if (!rate.admitted) {
    return {
      admitted: false,
      limit: 'rate',
      detail: `rate limit ${rate.scope}: ${rate.recent} actions in the last hour, at most ${rate.perHour}`,
    };
  }
  if (state.state === 'CLOSED' || request.dryRun) {
    return { admitted: true, trial: false, detail: `within limits (breaker ${state.state.toLowerCase()})` };
  }
  const trial = await admitThroughBreaker(table, request.playbook, now, breaker);
  if (!trial.admitted) {
    await giveBack(table, rate.taken, windowStart(now));
    return { admitted: false, limit: 'breaker', detail: trial.reason };
  }
  return {
    admitted: true,
    trial: true,
    detail: `the ${request.playbook} breaker is half-open: this run is its trial`,
  };
}
