import { daylightSavingGaps } from '../../functions/core/cost/off-hours/schedule.ts';
import { type OffHoursConfig, offHoursConfigSchema } from '../../functions/core/cost/off-hours/settings.ts';

export { offHoursConfigSchema };

/**
 * Checks across the off-hours settings that the schema alone cannot make (called from the
 * environment schema): production never sleeps, and a schedule whose sleep or wake time falls in a
 * daylight saving gap of its zone is refused, because EventBridge Scheduler skips a run whose local
 * time does not exist (the environment would stay up, or stay asleep, that day).
 */
export function offHoursConfigProblems(environment: string, offHours: OffHoursConfig | undefined): string[] {
  if (!offHours) return [];
  const problems: string[] = [];
  if (offHours.enabled && environment === 'production') {
    problems.push('off-hours scale-down is for development and staging; production never sleeps');
  }
  // A year from a fixed day covers every transition of the zone's current rules.
  const gaps = daylightSavingGaps(offHours.schedule, new Date('2026-01-01T00:00:00Z'));
  for (const [moment, dates] of Object.entries(gaps)) {
    if (dates.length > 0) {
      problems.push(
        `${moment}At ${offHours.schedule[moment === 'sleep' ? 'sleepAt' : 'wakeAt']} does not exist in ${offHours.schedule.timeZone} on ${dates.join(', ')} (daylight saving): choose a time outside the gap`,
      );
    }
  }
  return problems;
}
