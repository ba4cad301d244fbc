/**
 * The Vietnamese lunisolar calendar (âm lịch), reckoned at UTC+7, after Hồ Ngọc Đức's published
 * astronomical algorithm ("Thuật toán tính âm lịch", https://www.informatik.uni-leipzig.de/~duc/amlich/):
 * a month starts on the local day of a new moon, month 11 is the one holding the winter solstice,
 * and in a year of 13 months the first month without a major solar term (trung khí) is the leap one.
 *
 * Written here rather than taken from npm: the packages that implement it (amlich 0.0.2, no
 * licence; lunar-calendar-ts-vi 1.0.2 and vietnamese-date, single unmaintained releases, CommonJS)
 * did not fit. The Vietnamese calendar differs from the Chinese one (UTC+8) in some years (Tết
 * 2007 and 2030 are a day earlier), so a Chinese-calendar library would not do either.
 * Checked against a published table of Tết and Hùng Kings days, 1990-2040 (lunar.spec.ts). The
 * series are truncated (Meeus-style, ~minutes of precision): meant for 1900-2200.
 */
import { daysFromCivil } from './time.js';

const TIME_ZONE = 7; // hours east of UTC
/** Julian day number of 1970-01-01, day index 0 of time.ts. */
const JDN_EPOCH = 2_440_588;
const RAD = Math.PI / 180;
const SYNODIC_MONTH = 29.530588853;
/** Julian date of the new moon taken as k = 0 (1 January 1900). */
const NEW_MOON_0 = 2415021.076998695;

/** Local day index (time.ts) of the k-th new moon after 1 January 1900. */
function newMoonDay(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T;
  const T3 = T2 * T;
  let jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * T2 - 0.000000155 * T3;
  jd1 += 0.00033 * Math.sin((166.56 + 132.87 * T - 0.009173 * T2) * RAD);
  const M = 359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3; // sun's mean anomaly
  const Mpr = 306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3; // moon's mean anomaly
  const F = 21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3; // moon's argument of latitude
  let c1 = (0.1734 - 0.000393 * T) * Math.sin(M * RAD) + 0.0021 * Math.sin(2 * RAD * M);
  c1 = c1 - 0.4068 * Math.sin(Mpr * RAD) + 0.0161 * Math.sin(RAD * 2 * Mpr);
  c1 -= 0.0004 * Math.sin(RAD * 3 * Mpr);
  c1 = c1 + 0.0104 * Math.sin(RAD * 2 * F) - 0.0051 * Math.sin(RAD * (M + Mpr));
  c1 = c1 - 0.0074 * Math.sin(RAD * (M - Mpr)) + 0.0004 * Math.sin(RAD * (2 * F + M));
  c1 = c1 - 0.0004 * Math.sin(RAD * (2 * F - M)) - 0.0006 * Math.sin(RAD * (2 * F + Mpr));
  c1 = c1 + 0.001 * Math.sin(RAD * (2 * F - Mpr)) + 0.0005 * Math.sin(RAD * (2 * Mpr + M));
  const deltaT = T < -11 ? 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3 : -0.000278 + 0.000265 * T + 0.000262 * T2;
  const jdNew = jd1 + c1 - deltaT;
  return Math.floor(jdNew + 0.5 + TIME_ZONE / 24) - JDN_EPOCH;
}

/** Which 30° sector (0-11) of ecliptic longitude the sun is in at the start of local day `day`. */
function sunSector(day: number): number {
  const T = (day + JDN_EPOCH - 2451545.5 - TIME_ZONE / 24) / 36525;
  const T2 = T * T;
  const M = 357.5291 + 35999.0503 * T - 0.0001559 * T2 - 0.00000048 * T * T2;
  const L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2;
  let dl = (1.9146 - 0.004817 * T - 0.000014 * T2) * Math.sin(RAD * M);
  dl += (0.019993 - 0.000101 * T) * Math.sin(RAD * 2 * M) + 0.00029 * Math.sin(RAD * 3 * M);
  let l = (L0 + dl) * RAD;
  l -= 2 * Math.PI * Math.floor(l / (2 * Math.PI));
  return Math.floor((l / Math.PI) * 6);
}

/** Day index of the first day of lunar month 11 of Gregorian year `year` (the month of the winter solstice). */
function month11Start(year: number): number {
  const off = daysFromCivil(year, 12, 31) + JDN_EPOCH - 2415021;
  const k = Math.floor(off / SYNODIC_MONTH);
  const nm = newMoonDay(k);
  // A new moon already past the solstice (sun at 270° or more) starts month 12: step back one.
  return sunSector(nm) >= 9 ? newMoonDay(k - 1) : nm;
}

/** In a 13-month year starting at month 11 `a11`: the offset of the leap month (the first without a major term). */
function leapMonthOffset(a11: number): number {
  const k = Math.floor((a11 + JDN_EPOCH - NEW_MOON_0) / SYNODIC_MONTH + 0.5);
  let i = 1;
  let arc = sunSector(newMoonDay(k + i));
  let last: number;
  do {
    last = arc;
    i++;
    arc = sunSector(newMoonDay(k + i));
  } while (arc !== last && i < 14);
  return i - 1;
}

/**
 * Day index (time.ts) of lunar day `day` of lunar month `month` (1-12, not leap) of lunar year
 * `year` (the one that starts with the Tết of Gregorian year `year`).
 */
export function lunarToDay(year: number, month: number, day: number): number {
  const a11 = month < 11 ? month11Start(year - 1) : month11Start(year);
  const b11 = month < 11 ? month11Start(year) : month11Start(year + 1);
  const k = Math.floor(0.5 + (a11 + JDN_EPOCH - NEW_MOON_0) / SYNODIC_MONTH);
  let off = month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {
    // 13 months between the two solstice months: every month from the leap one on shifts by one.
    if (off >= leapMonthOffset(a11)) off += 1;
  }
  return newMoonDay(k + off) + day - 1;
}

/** Day index of Tết (1st day of the 1st lunar month) of Gregorian year `year`. */
export function tetDay(year: number): number {
  return lunarToDay(year, 1, 1);
}

/** Day index of Hùng Kings' commemoration day (10th day of the 3rd lunar month) of Gregorian year `year`. */
export function hungKingsDay(year: number): number {
  return lunarToDay(year, 3, 10);
}
