import * as z from 'zod/mini';

/**
 * Change windows: when disruptive playbooks may act. Outside every configured window they are
 * refused (deny by default: no window configured means never). A window is local time in its own
 * IANA time zone, so "weekdays 08:00-18:00 Europe/Berlin" follows daylight saving; one whose end
 * is before its start runs overnight and belongs to the day it starts on.
 */
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clockTime = () =>
  z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (00:00-23:59)'));

export const changeWindowSchema = z.object({
  days: z.array(z.enum(WEEKDAYS)).check(z.minLength(1)),
  start: clockTime(),
  end: clockTime(),
  timeZone: z
    .string()
    .check(
      z.refine((zone) => isTimeZone(zone), 'expected an IANA time zone such as "UTC" or "Europe/Berlin"'),
    ),
});
export type ChangeWindow = z.output<typeof changeWindowSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** The weekday and minute of the day of `instant` on the wall clock of `timeZone`. */
function wallClock(instant: Date, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return { day: part('weekday') as Weekday, minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

function previousDay(day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
}

export function isInsideWindow(instant: Date, window: ChangeWindow): boolean {
  const { day, minute } = wallClock(instant, window.timeZone);
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start < end) return window.days.includes(day) && minute >= start && minute < end;
  // Overnight (or a whole day when start == end): the evening of a listed day, or the morning after it.
  return (
    (window.days.includes(day) && minute >= start) || (window.days.includes(previousDay(day)) && minute < end)
  );
}

/** The window `instant` falls in, if any. */
export function openChangeWindow(instant: Date, windows: readonly ChangeWindow[]): ChangeWindow | undefined {
  return windows.find((window) => isInsideWindow(instant, window));
}

export function describeWindow(window: ChangeWindow): string {
  return `${window.days.join(',')} ${window.start}-${window.end} ${window.timeZone}`;
}
