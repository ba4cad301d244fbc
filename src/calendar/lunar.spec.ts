import { describe, expect, it } from '@jest/globals';
import { hungKingsDay, lunarToDay, tetDay } from './lunar.js';
import { daysFromCivil, formatDay, parseLocalDate, weekdayOf } from './time.js';
import { HUNG_KINGS, TET } from './testdata/tet-hung-kings.js';

const WEEKDAY = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

describe('the Vietnamese lunar calendar (UTC+7)', () => {
  it('gives the published Tết of every year 1990-2040', () => {
    const got: Record<number, string> = {};
    for (let y = 1990; y <= 2040; y++) got[y] = formatDay(tetDay(y));
    expect(got).toEqual(TET);
  });

  it('gives the published Hùng Kings day (10th day of the 3rd lunar month) of every year 1990-2040', () => {
    const got: Record<number, string> = {};
    for (let y = 1990; y <= 2040; y++) got[y] = formatDay(hungKingsDay(y));
    expect(got).toEqual(HUNG_KINGS);
  });

  it('is a day ahead of the Chinese calendar (UTC+8) where the published tables say so: Tết 2007 and 2030, Hùng Kings 2009, 2037 and 2038', () => {
    // The Chinese-calendar dates of those years, from the same python-holidays tables
    // (LUNAR_NEW_YEAR_DATES / HUNG_KINGS_DATES, before the Vietnamese overrides).
    const chineseTet: Record<number, string> = { 2007: '2007-02-18', 2030: '2030-02-03' };
    const chineseHungKings: Record<number, string> = { 2009: '2009-04-05', 2037: '2037-04-25', 2038: '2038-04-14' };
    const gaps: Record<string, number> = {};
    for (const [y, d] of Object.entries(chineseTet)) gaps[`tet ${y}`] = parseLocalDate(d)! - tetDay(Number(y));
    for (const [y, d] of Object.entries(chineseHungKings)) gaps[`hung ${y}`] = parseLocalDate(d)! - hungKingsDay(Number(y));
    expect(gaps).toEqual({ 'tet 2007': 1, 'tet 2030': 1, 'hung 2009': 1, 'hung 2037': 1, 'hung 2038': 1 });
  });

  it('places Hùng Kings day 1990-2040 where the lunar months put it: two months and nine days after Tết, or three with a leap month between', () => {
    for (let y = 1990; y <= 2040; y++) {
      const gap = hungKingsDay(y) - tetDay(y);
      // Two or three lunar months of 29-30 days, plus nine days.
      expect([y, (gap >= 58 + 9 && gap <= 60 + 9) || (gap >= 87 + 9 && gap <= 90 + 9)]).toEqual([y, true]);
    }
  });

  it('knows 2027 (DOMAIN.md): Tết Saturday 6 February, its eve Friday 5 February (a 29-day 12th month), Hùng Kings Friday 16 April, 1 May a Saturday', () => {
    const tet = tetDay(2027);
    expect([formatDay(tet), WEEKDAY[weekdayOf(tet)]]).toEqual(['2027-02-06', 'Saturday']);
    expect([formatDay(tet - 1), WEEKDAY[weekdayOf(tet - 1)]]).toEqual(['2027-02-05', 'Friday']);
    // The 12th month of the year that began with Tết 2026 has 29 days.
    expect(tet - lunarToDay(2026, 12, 1)).toBe(29);
    const hung = hungKingsDay(2027);
    expect([formatDay(hung), WEEKDAY[weekdayOf(hung)]]).toEqual(['2027-04-16', 'Friday']);
    expect(WEEKDAY[weekdayOf(daysFromCivil(2027, 5, 1))]).toBe('Saturday');
  });
});
