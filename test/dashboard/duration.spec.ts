/** Durations as the dashboard shows entry lags: minutes, hours and minutes, days (working days for office time). */
import { describe, expect, it } from '@jest/globals';
import { formatMinutes } from '../../web/src/duration.js';

describe('durations for people', () => {
  it('reads minutes, hours and days in Vietnamese and English', () => {
    const vi = (m: number | null, office = false) => formatMinutes(m, 'vi', office);
    expect(vi(null)).toBe('-');
    expect(vi(0)).toBe('0 phút');
    expect(vi(0.2)).toBe('< 1 phút');
    expect(vi(45.4)).toBe('45 phút');
    expect(vi(59.6)).toBe('1 giờ');
    expect(vi(195.02)).toBe('3 giờ 15 phút');
    expect(vi(2 * 1440)).toBe('2 ngày');
    expect(vi(2 * 1440 + 4 * 60 + 10)).toBe('2 ngày 4 giờ');
    // From ten days on, whole days are enough.
    expect(vi(12.4 * 1440)).toBe('12 ngày');
    expect(vi(1234 * 1440)).toBe('1.234 ngày');
    expect(formatMinutes(195, 'en')).toBe('3 h 15 min');
    expect(formatMinutes(3 * 1440 + 60, 'en')).toBe('3 d 1 h');
  });

  it('counts office minutes in working days of 8 hours', () => {
    expect(formatMinutes(19 * 60, 'vi', true)).toBe('2 ngày làm việc 3 giờ');
    expect(formatMinutes(7 * 60 + 30, 'vi', true)).toBe('7 giờ 30 phút');
    expect(formatMinutes(16 * 60, 'en', true)).toBe('2 working days');
    expect(formatMinutes(9 * 60, 'en', true)).toBe('1 working day 1 h');
  });
});
