/**
 * Published dates the lunar computation (lunar.ts) is checked against in lunar.spec.ts, 1990-2040.
 *
 * Copied from python-holidays (MIT; github.com/vacanza/holidays, holidays/calendars/chinese.py at
 * commit 0d3079bdc9eedeba4a3d3b3203731a8ed01b4b03), the tables its Vietnam holidays use:
 * - TET: LUNAR_NEW_YEAR_DATES, with VIETNAMESE_CALENDAR_LUNAR_NEW_YEAR_DATES taking precedence
 *   (2007, 2030);
 * - HUNG_KINGS (10th day of the 3rd lunar month): HUNG_KINGS_DATES, with
 *   VIETNAMESE_CALENDAR_HUNG_KINGS_DATES taking precedence (2009, 2037, 2038).
 * Those are the years where Vietnam (UTC+7) is a day ahead of the Chinese calendar (UTC+8): Tết
 * 2007-02-17 (China 02-18), 2030-02-02 (02-03); Hùng Kings 2009-04-04 (04-05), 2037-04-24 (04-25),
 * 2038-04-13 (04-14). A table taken from a Chinese-calendar source would be wrong there (lunar.ts
 * run at UTC+8 gives exactly python-holidays' Chinese dates, 1990-2040).
 *
 * Cross-checked when copied (every year, both tables, no difference): the dates decoded from
 * Hồ Ngọc Đức's own precomputed year tables TK20/TK21 (amlich-hnd.js, "Âm lịch Việt Nam",
 * https://www.informatik.uni-leipzig.de/~duc/amlich/; copy read at github.com/hochanh/amlich,
 * amlich-hnd.js, commit 59de074db5c2955827b454d69583b49c5aab6944); python-holidays' Vietnam test
 * list (tests/countries/test_vietnam.py at commit 8890983e4cc56ed1298a2bad135977ee8e1ea349: Tết
 * 1997 and 2008-2022, Hùng Kings 2020-2022); the official announcements bundled in
 * data/vn-civil-service-calendar.json (2024-2026). The Tết table typed here earlier from memory was
 * identical to this one; its Hùng Kings table (2007-2027 only) agreed on every year it had.
 */
export const TET: Readonly<Record<number, string>> = {
  1990: '1990-01-27', 1991: '1991-02-15', 1992: '1992-02-04', 1993: '1993-01-23', 1994: '1994-02-10',
  1995: '1995-01-31', 1996: '1996-02-19', 1997: '1997-02-07', 1998: '1998-01-28', 1999: '1999-02-16',
  2000: '2000-02-05', 2001: '2001-01-24', 2002: '2002-02-12', 2003: '2003-02-01', 2004: '2004-01-22',
  2005: '2005-02-09', 2006: '2006-01-29', 2007: '2007-02-17', 2008: '2008-02-07', 2009: '2009-01-26',
  2010: '2010-02-14', 2011: '2011-02-03', 2012: '2012-01-23', 2013: '2013-02-10', 2014: '2014-01-31',
  2015: '2015-02-19', 2016: '2016-02-08', 2017: '2017-01-28', 2018: '2018-02-16', 2019: '2019-02-05',
  2020: '2020-01-25', 2021: '2021-02-12', 2022: '2022-02-01', 2023: '2023-01-22', 2024: '2024-02-10',
  2025: '2025-01-29', 2026: '2026-02-17', 2027: '2027-02-06', 2028: '2028-01-26', 2029: '2029-02-13',
  2030: '2030-02-02', 2031: '2031-01-23', 2032: '2032-02-11', 2033: '2033-01-31', 2034: '2034-02-19',
  2035: '2035-02-08', 2036: '2036-01-28', 2037: '2037-02-15', 2038: '2038-02-04', 2039: '2039-01-24',
  2040: '2040-02-12',
};

export const HUNG_KINGS: Readonly<Record<number, string>> = {
  1990: '1990-04-05', 1991: '1991-04-24', 1992: '1992-04-12', 1993: '1993-04-01', 1994: '1994-04-20',
  1995: '1995-04-09', 1996: '1996-04-27', 1997: '1997-04-16', 1998: '1998-04-06', 1999: '1999-04-25',
  2000: '2000-04-14', 2001: '2001-04-03', 2002: '2002-04-22', 2003: '2003-04-11', 2004: '2004-04-28',
  2005: '2005-04-18', 2006: '2006-04-07', 2007: '2007-04-26', 2008: '2008-04-15', 2009: '2009-04-04',
  2010: '2010-04-23', 2011: '2011-04-12', 2012: '2012-03-31', 2013: '2013-04-19', 2014: '2014-04-09',
  2015: '2015-04-28', 2016: '2016-04-16', 2017: '2017-04-06', 2018: '2018-04-25', 2019: '2019-04-14',
  2020: '2020-04-02', 2021: '2021-04-21', 2022: '2022-04-10', 2023: '2023-04-29', 2024: '2024-04-18',
  2025: '2025-04-07', 2026: '2026-04-26', 2027: '2027-04-16', 2028: '2028-04-04', 2029: '2029-04-23',
  2030: '2030-04-12', 2031: '2031-04-01', 2032: '2032-04-19', 2033: '2033-04-09', 2034: '2034-04-28',
  2035: '2035-04-17', 2036: '2036-04-06', 2037: '2037-04-24', 2038: '2038-04-13', 2039: '2039-04-03',
  2040: '2040-04-20',
};
