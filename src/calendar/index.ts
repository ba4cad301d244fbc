/** Public surface of the calendar: deadline arithmetic in Vietnamese civil-service office time. */
export * from './calendar.js';
export * from './calendar-book.js';
export { hungKingsDay, lunarToDay, tetDay } from './lunar.js';
export { PROVISIONAL_FIRST_YEAR, PROVISIONAL_LAST_YEAR, provisionalYear } from './provisional.js';
export { VN_CIVIL_SERVICE_CALENDAR } from './vn-civil-service-calendar.js';
export type { CalendarData, CalendarYearData } from './vn-civil-service-calendar.js';
