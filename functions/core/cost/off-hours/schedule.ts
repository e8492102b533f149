import * as z from 'zod/mini';

/**
 * When an environment sleeps and wakes: local clock times in an IANA time zone, and the workdays
 * on which it wakes. It is turned into two EventBridge Scheduler cron expressions evaluated in that
 * zone (ScheduleExpressionTimezone), so the scheduler, not this code, follows daylight saving time.
 *
 * - wake runs at `wakeAt` on each workday;
 * - sleep runs at `sleepAt` every day, workdays or not. A second sleep of a sleeping environment
 *   changes nothing, so running it daily costs one short execution, and it puts an environment
 *   woken early on a weekend back to sleep the same evening instead of on Monday night. It also
 *   makes a sleep time after midnight (`sleepAt` 01:00 for a workday ending late) need no
 *   shifting of weekdays.
 */
export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:MM`, 24-hour clock. */
const clockTime = z
  .string()
  .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time such as "07:00"'));

export function isIanaTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const offHoursScheduleSchema = z
  .object({
    /** IANA name, e.g. Europe/Berlin (what ScheduleExpressionTimezone takes). */
    timeZone: z
      .string()
      .check(z.refine(isIanaTimeZone, 'expected an IANA time zone such as "Europe/Berlin" or "UTC"')),
    sleepAt: clockTime,
    wakeAt: clockTime,
    workdays: z._default(
      z.array(z.enum(WEEKDAYS)).check(
        z.minLength(1, 'expected at least one workday'),
        z.refine((days) => new Set(days).size === days.length, 'expected each weekday at most once'),
      ),
      ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    ),
  })
  .check(
    z.refine((schedule) => schedule.sleepAt !== schedule.wakeAt, {
      message: 'sleepAt and wakeAt must differ: the environment would never be awake',
      path: ['sleepAt'],
    }),
  );
export type OffHoursScheduleInput = z.input<typeof offHoursScheduleSchema>;
export type OffHoursSchedule = z.output<typeof offHoursScheduleSchema>;

/** What an EventBridge Scheduler schedule takes. */
export interface SchedulerExpression {
  readonly scheduleExpression: string;
  readonly scheduleExpressionTimezone: string;
}

export interface OffHoursSchedulerExpressions {
  readonly sleep: SchedulerExpression;
  readonly wake: SchedulerExpression;
}

function parseClock(time: string): { hour: number; minute: number } {
  const [hour, minute] = time.split(':').map(Number);
  return { hour: hour ?? 0, minute: minute ?? 0 };
}

/**
 * Day-of-week field: the days in week order, consecutive runs as ranges (`MON-FRI`, `MON,WED-FRI`).
 * Ranges never wrap past SUN, so the scheduler reads them the same in every version of its syntax.
 */
export function dayOfWeekField(days: readonly Weekday[]): string {
  const indexes = [...new Set(days)].map((day) => WEEKDAYS.indexOf(day)).sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const index of indexes) {
    const last = runs.at(-1);
    if (last && index === last[1] + 1) last[1] = index;
    else runs.push([index, index]);
  }
  return runs
    .map(([first, last]) => {
      if (first === last) return WEEKDAYS[first];
      if (last === first + 1) return `${WEEKDAYS[first]},${WEEKDAYS[last]}`;
      return `${WEEKDAYS[first]}-${WEEKDAYS[last]}`;
    })
    .join(',');
}

/** `cron(minutes hours day-of-month month day-of-week year)`; one of the day fields must be `?`. */
function cronAt(time: string, days: readonly Weekday[] | 'every day'): string {
  const { hour, minute } = parseClock(time);
  if (days === 'every day' || days.length === WEEKDAYS.length) return `cron(${minute} ${hour} * * ? *)`;
  return `cron(${minute} ${hour} ? * ${dayOfWeekField(days)} *)`;
}

export function offHoursSchedulerExpressions(input: OffHoursScheduleInput): OffHoursSchedulerExpressions {
  const schedule = offHoursScheduleSchema.parse(input);
  const scheduleExpressionTimezone = schedule.timeZone;
  return {
    sleep: { scheduleExpression: cronAt(schedule.sleepAt, 'every day'), scheduleExpressionTimezone },
    wake: { scheduleExpression: cronAt(schedule.wakeAt, schedule.workdays), scheduleExpressionTimezone },
  };
}

/** The wall-clock date and time of `instant` in `timeZone`, as `YYYY-MM-DDTHH:MM`. */
function wallClock(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The weekday of a calendar date (`YYYY-MM-DD`). */
function weekdayOf(date: string): Weekday {
  // getUTCDay counts from Sunday; WEEKDAYS starts on Monday.
  return WEEKDAYS[(new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7]!;
}

/** Whether the wall-clock `date`T`time` happens at all in `timeZone` (not inside a DST gap). */
function wallClockExists(date: string, time: string, timeZone: string): boolean {
  const wall = `${date}T${time}`;
  const asUtc = new Date(`${wall}:00Z`).getTime();
  // The zone's offset is the one in force a few hours before or after; one of them applies.
  for (const probeHours of [-14, -3, 3, 14]) {
    const probe = new Date(asUtc + probeHours * 3_600_000);
    const offsetMs = new Date(`${wallClock(probe, timeZone)}:00Z`).getTime() - probe.getTime();
    if (wallClock(new Date(asUtc - offsetMs), timeZone) === wall) return true;
  }
  return false;
}

/**
 * The dates within `days` days from `from` on which `sleepAt` (any day) or `wakeAt` (a workday)
 * falls in a daylight saving gap of the zone. EventBridge Scheduler skips a cron invocation whose local time does not
 * exist (and runs once when an hour repeats), so on those dates the environment would not sleep or
 * not wake: infra should refuse such a schedule, and this names the dates.
 */
export function daylightSavingGaps(
  input: OffHoursScheduleInput,
  from: Date,
  days = 366,
): { sleep: string[]; wake: string[] } {
  const schedule = offHoursScheduleSchema.parse(input);
  const gaps = { sleep: [] as string[], wake: [] as string[] };
  for (let offset = 0; offset < days; offset += 1) {
    const date = new Date(from.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    if (!wallClockExists(date, schedule.sleepAt, schedule.timeZone)) gaps.sleep.push(date);
    const wakesThatDay = schedule.workdays.includes(weekdayOf(date));
    if (wakesThatDay && !wallClockExists(date, schedule.wakeAt, schedule.timeZone)) gaps.wake.push(date);
  }
  return gaps;
}
