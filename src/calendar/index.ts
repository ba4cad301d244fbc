/** Public surface of the calendar: deadline arithmetic in Vietnamese civil-service office time. */
export * from './calendar.js';
export { VN_CIVIL_SERVICE_CALENDAR } from './vn-civil-service-calendar.js';
export type { CalendarData, CalendarYearData } from './vn-civil-service-calendar.js';
