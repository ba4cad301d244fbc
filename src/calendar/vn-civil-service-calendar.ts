/**
 * Vietnamese civil-service calendar, generated once from ./data/vn-civil-service-calendar.json
 * (the source of truth; vn-civil-service-calendar.spec.ts asserts both stay equal).
 *
 * It lives in a .ts module so that neither Jest nor the tsc build (which does not copy .json
 * files to dist/) needs file I/O or import.meta.url to find it. A running service takes a newly
 * announced year through PUT /calendar/years/{year} (README, "Entering a year's calendar"); to
 * ship it with a release, edit the JSON first, then mirror it here. Years with no entry are
 * provisional (provisional.ts).
 */
import type { OfficeInterval } from './calendar.js';

export interface CalendarYearData {
  readonly holidays: readonly string[];
  readonly workingDays: readonly string[];
  readonly sources: readonly string[];
}

export interface CalendarData {
  readonly description: string;
  readonly timezone: string;
  readonly officeHours: readonly OfficeInterval[];
  readonly cutoff: string;
  readonly years: Readonly<Record<string, CalendarYearData>>;
}

export const VN_CIVIL_SERVICE_CALENDAR: CalendarData = {
  description:
    'Days off (Monday to Friday only) and make-up working Saturdays for Vietnamese civil servants, as announced each year. Weekend days inside holiday blocks are omitted: weekends are non-working by default.',
  timezone: 'Asia/Ho_Chi_Minh',
  officeHours: [
    { start: '08:00', end: '12:00' },
    { start: '13:00', end: '17:00' },
  ],
  cutoff: '15:00',
  years: {
    2024: {
      holidays: ['2024-01-01', '2024-02-08', '2024-02-09', '2024-02-12', '2024-02-13', '2024-02-14', '2024-04-18', '2024-04-29', '2024-04-30', '2024-05-01', '2024-09-02', '2024-09-03'],
      workingDays: ['2024-05-04'],
      sources: [
        'Labour Code 2019 art. 111-112',
        'Cong van 8662/VPCP-KGVX (3/11/2023) and TB 5015/TB-LDTBXH (22/11/2023): Tet and National Day',
        'Cong van 2450/VPCP-KGVX (12/4/2024): swap of 29/4 with Saturday 4/5',
      ],
    },
    2025: {
      holidays: ['2025-01-01', '2025-01-27', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-04-07', '2025-04-30', '2025-05-01', '2025-05-02', '2025-09-01', '2025-09-02'],
      workingDays: ['2025-04-26'],
      sources: [
        'Cong van 8726/VPCP-KGVX (26/11/2024)',
        'TB 6150/TB-BLDTBXH (12/2024): Tet, swap of 2/5 with Saturday 26/4, National Day 1-2/9',
      ],
    },
    2026: {
      holidays: ['2026-01-01', '2026-01-02', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-04-27', '2026-04-30', '2026-05-01', '2026-08-31', '2026-09-01', '2026-09-02', '2026-11-24'],
      workingDays: ['2026-01-10', '2026-08-22'],
      sources: [
        'Cong van 12729/VPCP-KGVX (25/12/2025): swap of 2/1 with Saturday 10/1',
        'TB 9441/TB-BNV (16/10/2025): Tet 16-20/2, National Day 1-2/9, swap of 31/8 with Saturday 22/8',
        'Hung Kings day falls on Sunday 26/4: replacement Monday 27/4 (Labour Code art. 111(3))',
        'Resolution 80-NQ/TW (7/1/2026): 24/11 Vietnamese Culture Day, a paid day off (its legal instrument not confirmed here)',
      ],
    },
  },
};
