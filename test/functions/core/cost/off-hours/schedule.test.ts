import { describe, expect, it } from 'vitest';
import { safeParseWithMessages } from '../../../../../functions/commons/schema-problems.ts';
import {
  daylightSavingGaps,
  dayOfWeekField,
  offHoursSchedulerExpressions,
  offHoursScheduleSchema,
} from '../../../../../functions/core/cost/off-hours/schedule.ts';

const BERLIN = { timeZone: 'Europe/Berlin', sleepAt: '20:00', wakeAt: '07:00' };

describe('offHoursSchedulerExpressions', () => {
  it('wakes on workdays and sleeps every evening, evaluated in the IANA zone', () => {
    expect(offHoursSchedulerExpressions(BERLIN)).toEqual({
      sleep: { scheduleExpression: 'cron(0 20 * * ? *)', scheduleExpressionTimezone: 'Europe/Berlin' },
      wake: { scheduleExpression: 'cron(0 7 ? * MON-FRI *)', scheduleExpressionTimezone: 'Europe/Berlin' },
    });
  });

  it('keeps minutes and a sleep time after midnight as they are', () => {
    const expressions = offHoursSchedulerExpressions({
      timeZone: 'America/New_York',
      sleepAt: '01:30',
      wakeAt: '06:45',
      workdays: ['SUN', 'MON', 'TUE', 'WED', 'THU'],
    });
    expect(expressions.sleep.scheduleExpression).toBe('cron(30 1 * * ? *)');
    expect(expressions.wake.scheduleExpression).toBe('cron(45 6 ? * MON-THU,SUN *)');
  });

  it('writes every day as a daily expression', () => {
    const everyDay = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
    expect(offHoursSchedulerExpressions({ ...BERLIN, workdays: [...everyDay] }).wake.scheduleExpression).toBe(
      'cron(0 7 * * ? *)',
    );
  });
});

describe('dayOfWeekField', () => {
  it('lists days in week order and turns runs of three or more into ranges', () => {
    expect(dayOfWeekField(['FRI', 'MON', 'TUE', 'WED'])).toBe('MON-WED,FRI');
    expect(dayOfWeekField(['SAT', 'MON'])).toBe('MON,SAT');
    expect(dayOfWeekField(['MON', 'TUE'])).toBe('MON,TUE');
  });
});

describe('offHoursScheduleSchema', () => {
  const problems = (input: unknown) => {
    const result = safeParseWithMessages(offHoursScheduleSchema, input);
    return result.success ? [] : result.error.issues.map((issue) => issue.message);
  };

  it('defaults the workdays to Monday to Friday', () => {
    expect(offHoursScheduleSchema.parse(BERLIN).workdays).toEqual(['MON', 'TUE', 'WED', 'THU', 'FRI']);
  });

  it('refuses an unknown time zone, a 12-hour time, equal times and repeated days, saying what was expected', () => {
    expect(problems({ ...BERLIN, timeZone: 'Berlin' })).toEqual([
      'expected an IANA time zone such as "Europe/Berlin" or "UTC"',
    ]);
    expect(problems({ ...BERLIN, wakeAt: '7am' })).toEqual(['expected a 24-hour time such as "07:00"']);
    expect(problems({ ...BERLIN, wakeAt: '20:00' })).toEqual([
      'sleepAt and wakeAt must differ: the environment would never be awake',
    ]);
    expect(problems({ ...BERLIN, workdays: ['MON', 'MON'] })).toEqual(['expected each weekday at most once']);
  });
});

describe('daylightSavingGaps', () => {
  it('names the dates on which a time falls in the spring-forward gap (the scheduler would skip it)', () => {
    const gaps = daylightSavingGaps(
      {
        timeZone: 'Europe/Berlin',
        sleepAt: '02:30',
        wakeAt: '07:00',
        workdays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
      },
      new Date('2026-01-01T00:00:00Z'),
      365,
    );
    expect(gaps).toEqual({ sleep: ['2026-03-29'], wake: [] });
  });

  it('counts a wake time in a gap only on workdays', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    // The gap is on a Sunday: no wake happens then.
    expect(daylightSavingGaps({ ...BERLIN, wakeAt: '02:15' }, from, 365).wake).toEqual([]);
    expect(daylightSavingGaps({ ...BERLIN, wakeAt: '02:15', workdays: ['SUN'] }, from, 365).wake).toEqual([
      '2026-03-29',
    ]);
  });

  it('finds no gap for ordinary times or in a zone without daylight saving time', () => {
    expect(daylightSavingGaps(BERLIN, new Date('2026-01-01T00:00:00Z'))).toEqual({ sleep: [], wake: [] });
    expect(
      daylightSavingGaps(
        { timeZone: 'Asia/Kolkata', sleepAt: '02:30', wakeAt: '03:00' },
        new Date('2026-01-01T00:00:00Z'),
      ),
    ).toEqual({ sleep: [], wake: [] });
  });
});
