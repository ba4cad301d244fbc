/**
 * Property tests: the O(1) table-driven implementation is checked against a deliberately naive
 * oracle (walks day by day with Date, string sets and explicit intervals) and against algebraic
 * properties. Randomness comes from a seeded mulberry32 so failures are reproducible.
 */
import { mulberry32 } from '../common/random.js';
import { describe, expect, it } from '@jest/globals';
import {
  addWorkingTime,
  type CalendarSpec,
  clockStart,
  compileCalendar,
  type CompiledCalendar,
  isWorkingDay,
  loadDefaultCalendarSpec,
  nextOfficeInstant,
  toLocalIso,
  WORKING_DAY_MS,
  workingTimeBetween,
} from './index.js';

const DAY = 86_400_000;
const SEVEN_H = 7 * 3_600_000;
const N = 3000;


// ---------- naive oracle ----------
interface Oracle {
  cutoff: number;
  hours: Array<[number, number]>; // ms after local midnight
  working(midnightUtc: number): boolean;
}

function makeOracle(spec: CalendarSpec): Oracle {
  const hm = (s: string): number => Number(s.slice(0, 2)) * 3_600_000 + Number(s.slice(3, 5)) * 60_000;
  const holidays = new Set(spec.holidays);
  const extra = new Set(spec.workingDays);
  return {
    cutoff: hm(spec.cutoff),
    hours: spec.officeHours.map((iv) => [hm(iv.start), hm(iv.end)]),
    working(midnightUtc) {
      const local = new Date(midnightUtc + SEVEN_H);
      const date = local.toISOString().slice(0, 10);
      const dow = local.getUTCDay();
      return extra.has(date) || (dow >= 1 && dow <= 5 && !holidays.has(date));
    },
  };
}

const midnightOf = (ms: number): number => Math.floor((ms + SEVEN_H) / DAY) * DAY - SEVEN_H;

function oracleBetween(o: Oracle, from: number, to: number): number {
  let sum = 0;
  for (let m = midnightOf(from); m < to; m += DAY) {
    if (!o.working(m)) continue;
    for (const [a, b] of o.hours) sum += Math.max(0, Math.min(m + b, to) - Math.max(m + a, from));
  }
  return sum;
}

function oracleAdd(o: Oracle, start: number, duration: number): number {
  if (duration === 0) return start;
  let left = duration;
  for (let m = midnightOf(start); ; m += DAY) {
    if (!o.working(m)) continue;
    for (const [a, b] of o.hours) {
      const from = Math.max(m + a, start);
      if (m + b <= from) continue;
      if (left <= m + b - from) return from + left;
      left -= m + b - from;
    }
  }
}

function oracleClockStart(o: Oracle, received: number): number {
  const m0 = midnightOf(received);
  if (o.working(m0) && received - m0 <= o.cutoff) {
    for (const [a, b] of o.hours) if (m0 + b > received) return Math.max(m0 + a, received);
  }
  let m = m0 + DAY;
  while (!o.working(m)) m += DAY;
  return m + o.hours[0][0];
}

function oracleInOffice(o: Oracle, ms: number): boolean {
  const m = midnightOf(ms);
  return o.working(m) && o.hours.some(([a, b]) => ms >= m + a && ms < m + b);
}

// ---------- random inputs ----------
const FIRST = Date.parse('2023-11-01T00:00:00+07:00');
const SPAN_DAYS = 1215; // through February 2027: covers all bundled years and some margin

function randomInstant(rnd: () => number, o: Oracle): number {
  const midnight = FIRST + Math.floor(rnd() * SPAN_DAYS) * DAY;
  const r = rnd();
  if (r < 0.5) return midnight + Math.floor(rnd() * 1440) * 60_000;
  if (r < 0.8) {
    // boundaries are where off-by-one bugs live: openings, closings, cutoff, +-1 ms
    const edges = [...o.hours.flat(), o.cutoff];
    return midnight + edges[Math.floor(rnd() * edges.length)] + Math.floor(rnd() * 3) - 1;
  }
  return midnight + Math.floor(rnd() * DAY);
}

function randomDuration(rnd: () => number): number {
  const r = rnd();
  if (r < 0.05) return 0;
  if (r < 0.45) return Math.floor(rnd() * 240) * (WORKING_DAY_MS / 4); // up to 60 days in quarter days
  if (r < 0.85) return Math.floor(rnd() * 20 * 480) * 60_000; // minutes, up to 20 days
  return Math.floor(rnd() * 3 * WORKING_DAY_MS); // arbitrary ms
}

// ---------- calendars under test ----------
const calendars: Array<[string, CalendarSpec]> = [
  ['default', loadDefaultCalendarSpec()],
  [
    'custom 07:30-11:30/13:30-17:30 cutoff 16:00',
    {
      officeHours: [
        { start: '07:30', end: '11:30' },
        { start: '13:30', end: '17:30' },
      ],
      cutoff: '16:00',
      holidays: ['2025-03-05', '2025-12-24', '2025-12-25', '2025-12-26'],
      workingDays: ['2025-03-08', '2025-12-28'],
    },
  ],
  [
    'three uneven intervals (6.5 h/day)',
    {
      officeHours: [
        { start: '07:00', end: '09:00' },
        { start: '09:15', end: '11:45' },
        { start: '14:00', end: '16:00' },
      ],
      cutoff: '10:00',
      holidays: ['2024-06-03'],
      workingDays: [],
    },
  ],
];

const fail = (what: string, ...instants: number[]): never => {
  throw new Error(`${what}: ${instants.map((x) => `${toLocalIso(x)} (${x})`).join(', ')}`);
};

describe.each(calendars)('properties: %s', (_name, spec) => {
  const cal: CompiledCalendar = compileCalendar(spec);
  const o = makeOracle(spec);
  const seed = 0x5eed + spec.officeHours.length * 101 + spec.holidays.length;

  it('isWorkingDay agrees with the oracle on every day 2023-11 to 2027-02', () => {
    for (let i = 0; i < SPAN_DAYS; i++) {
      const m = FIRST + i * DAY;
      const date = new Date(m + SEVEN_H).toISOString().slice(0, 10);
      if (isWorkingDay(cal, date) !== o.working(m)) fail(`isWorkingDay ${date}`, m);
    }
  });

  it('addWorkingTime equals the oracle and is the earliest instant with that office time', () => {
    const rnd = mulberry32(seed);
    for (let i = 0; i < N; i++) {
      const s = randomInstant(rnd, o);
      const d = randomDuration(rnd);
      const due = addWorkingTime(cal, s, d);
      if (due !== oracleAdd(o, s, d)) fail(`oracle mismatch, d=${d}`, s, due, oracleAdd(o, s, d));
      if (workingTimeBetween(cal, s, due) !== d) fail(`elapsed != ${d}`, s, due);
      if (d > 0 && workingTimeBetween(cal, s, due - 1) !== d - 1) fail(`not earliest, d=${d}`, s, due);
    }
  });

  it('workingTimeBetween(s, addWorkingTime(s, d)) === d for s inside office hours', () => {
    const rnd = mulberry32(seed + 1);
    for (let i = 0; i < N; i++) {
      const s = nextOfficeInstant(cal, randomInstant(rnd, o));
      if (!oracleInOffice(o, s)) fail('nextOfficeInstant not in office', s);
      const d = randomDuration(rnd);
      if (workingTimeBetween(cal, s, addWorkingTime(cal, s, d)) !== d) fail(`round trip d=${d}`, s);
    }
  });

  it('the due instant is inside an office interval or exactly at its end', () => {
    const rnd = mulberry32(seed + 2);
    for (let i = 0; i < N; i++) {
      const d = randomDuration(rnd) || 1;
      const due = addWorkingTime(cal, randomInstant(rnd, o), d);
      // due - 1 ms is office time iff due is in (opening, closing]
      if (!oracleInOffice(o, due - 1)) fail(`due outside office, d=${d}`, due);
    }
  });

  it('monotonicity: a later start or a longer duration never gives an earlier due', () => {
    const rnd = mulberry32(seed + 3);
    for (let i = 0; i < N; i++) {
      const a = randomInstant(rnd, o);
      const b = rnd() < 0.5 ? a + Math.floor(rnd() * 3 * DAY) : randomInstant(rnd, o);
      const [s1, s2] = a <= b ? [a, b] : [b, a];
      const d = randomDuration(rnd);
      if (addWorkingTime(cal, s1, d) > addWorkingTime(cal, s2, d)) fail(`start monotonicity d=${d}`, s1, s2);
      const d2 = d + randomDuration(rnd);
      if (addWorkingTime(cal, s1, d) > addWorkingTime(cal, s1, d2)) fail(`duration monotonicity ${d} ${d2}`, s1);
      if (clockStart(cal, s1) > clockStart(cal, s2)) fail('clockStart monotonicity', s1, s2);
    }
  });

  it('workingTimeBetween equals the oracle and is additive', () => {
    const rnd = mulberry32(seed + 4);
    for (let i = 0; i < N; i++) {
      const xs = [randomInstant(rnd, o), randomInstant(rnd, o), randomInstant(rnd, o)].sort((p, q) => p - q);
      // mostly short ranges (same-day and next-day paths); some span years and the table edges
      const near = xs[0] + Math.floor(rnd() * DAY);
      const [a, b, c] = rnd() < 0.2 ? xs : [xs[0], near, near + Math.floor(rnd() * 60 * DAY)];
      const ab = workingTimeBetween(cal, a, b);
      if (ab !== oracleBetween(o, a, b)) fail('oracle mismatch', a, b);
      if (workingTimeBetween(cal, a, c) !== ab + workingTimeBetween(cal, b, c)) fail('not additive', a, b, c);
      if (b > a && workingTimeBetween(cal, b, a) !== 0) fail('reversed range not 0', a, b);
    }
  });

  it('clockStart equals the oracle, lands in office hours and is idempotent', () => {
    const rnd = mulberry32(seed + 5);
    for (let i = 0; i < N; i++) {
      const r = randomInstant(rnd, o);
      const start = clockStart(cal, r);
      if (start !== oracleClockStart(o, r)) fail('oracle mismatch', r, start, oracleClockStart(o, r));
      if (start < r || !oracleInOffice(o, start)) fail('clock start not in office', r, start);
      if (clockStart(cal, start) !== start) fail('not idempotent', r, start);
      const next = nextOfficeInstant(cal, r);
      if (next < r || !oracleInOffice(o, next) || workingTimeBetween(cal, r, next) !== 0) fail('nextOfficeInstant', r, next);
    }
  });
});
