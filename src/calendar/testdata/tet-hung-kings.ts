/**
 * Published dates the lunar computation is checked against (lunar.spec.ts).
 *
 * TET: the first day of the Vietnamese lunar year (Tết Nguyên Đán), 1990-2040, the dates of the
 * published Vietnamese calendar tables (Hồ Ngọc Đức, "Lịch Việt Nam",
 * https://www.informatik.uni-leipzig.de/~duc/amlich/, the reference of Vietnamese calendar
 * software), typed in by hand (the page itself was not reachable when this was written);
 * 2008-2022 were compared with python-holidays' Vietnam test list
 * (tests/countries/test_vietnam.py), and 2024-2026 with the official announcements bundled in
 * data/vn-civil-service-calendar.json. Vietnam differs from the Chinese
 * calendar (UTC+8) in 2007 (17 vs 18 February) and 2030 (2 vs 3 February).
 *
 * HUNG_KINGS: Hùng Kings' commemoration day (10th day of the 3rd lunar month) for the years it
 * has been a paid public holiday, 2007-2027 (Decree 21/2007; the days announced each year, and
 * python-holidays' Vietnam list for 2020-2022). For 1990-2006 and 2028-2040 no published list was
 * at hand: those years are checked by the lunar structure instead (lunar.spec.ts).
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
  2007: '2007-04-26', 2008: '2008-04-15', 2009: '2009-04-04', 2010: '2010-04-23', 2011: '2011-04-12',
  2012: '2012-03-31', 2013: '2013-04-19', 2014: '2014-04-09', 2015: '2015-04-28', 2016: '2016-04-16',
  2017: '2017-04-06', 2018: '2018-04-25', 2019: '2019-04-14', 2020: '2020-04-02', 2021: '2021-04-21',
  2022: '2022-04-10', 2023: '2023-04-29', 2024: '2024-04-18', 2025: '2025-04-07', 2026: '2026-04-26',
  2027: '2027-04-16',
};
