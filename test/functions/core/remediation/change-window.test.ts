import { describe, expect, it } from 'vitest';
import {
  type ChangeWindow,
  changeWindowSchema,
  isInsideWindow,
  openChangeWindow,
} from '../../../../functions/core/remediation/change-window.ts';

const WEEKDAYS_BERLIN: ChangeWindow = {
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  start: '08:00',
  end: '18:00',
  timeZone: 'Europe/Berlin',
};

describe('change windows', () => {
  it('is open on a listed day between start and end on the local wall clock, following daylight saving', () => {
    // Thursday 26 Nov 2026, CET (UTC+1): 07:30 UTC is 08:30 in Berlin.
    expect(isInsideWindow(new Date('2026-11-26T07:30:00Z'), WEEKDAYS_BERLIN)).toBe(true);
    expect(isInsideWindow(new Date('2026-11-26T06:59:00Z'), WEEKDAYS_BERLIN)).toBe(false);
    // End is exclusive: 17:00 UTC is 18:00 in Berlin.
    expect(isInsideWindow(new Date('2026-11-26T17:00:00Z'), WEEKDAYS_BERLIN)).toBe(false);
    // In summer (CEST, UTC+2) 06:30 UTC is already 08:30 in Berlin.
    expect(isInsideWindow(new Date('2026-07-02T06:30:00Z'), WEEKDAYS_BERLIN)).toBe(true);
    // Saturday is not listed.
    expect(isInsideWindow(new Date('2026-11-28T10:00:00Z'), WEEKDAYS_BERLIN)).toBe(false);
  });

  it('runs an overnight window into the morning after the day it starts on', () => {
    const fridayNight: ChangeWindow = { days: ['Fri'], start: '22:00', end: '04:00', timeZone: 'UTC' };
    expect(isInsideWindow(new Date('2026-11-27T23:00:00Z'), fridayNight)).toBe(true); // Fri 23:00
    expect(isInsideWindow(new Date('2026-11-28T03:59:00Z'), fridayNight)).toBe(true); // Sat 03:59
    expect(isInsideWindow(new Date('2026-11-28T04:00:00Z'), fridayNight)).toBe(false);
    expect(isInsideWindow(new Date('2026-11-26T23:00:00Z'), fridayNight)).toBe(false); // Thu 23:00
  });

  it('denies by default: with no window configured nothing is open', () => {
    expect(openChangeWindow(new Date('2026-11-26T10:00:00Z'), [])).toBeUndefined();
    expect(openChangeWindow(new Date('2026-11-26T10:00:00Z'), [WEEKDAYS_BERLIN])).toBe(WEEKDAYS_BERLIN);
  });

  it('refuses a malformed window, naming the field and what was expected', () => {
    const result = changeWindowSchema.safeParse({
      ...WEEKDAYS_BERLIN,
      start: '8am',
      timeZone: 'Mars/Olympus',
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual([
      'start: expected HH:MM (00:00-23:59)',
      'timeZone: expected an IANA time zone such as "UTC" or "Europe/Berlin"',
    ]);
  });
});
