/**
 * Structural validation of a CalendarSpec coming from configuration or an API. Returns every
 * problem at once (not just the first) so an operator can fix a calendar file in one pass.
 */
import { DAY_MS, parseHhMm, parseLocalDate } from './time.js';

export function validateCalendarSpec(spec: unknown): string[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    return ['calendar spec must be an object'];
  }
  const s = spec as Record<string, unknown>;
  const problems: string[] = [];
  validateOfficeHours(s.officeHours, problems);

  if (typeof s.cutoff !== 'string' || parseHhMm(s.cutoff) === undefined) {
    problems.push(`cutoff must be an HH:MM time between 00:00 and 23:59, got ${show(s.cutoff)}`);
  }

  const holidays = validateDates('holidays', s.holidays, problems);
  const workingDays = validateDates('workingDays', s.workingDays, problems);
  // A date in both lists has no sensible meaning (is it worked or not?): refuse it rather than
  // silently letting one list win. Weekend holidays and weekday workingDays are harmless no-ops
  // (the JSON's own convention omits weekends inside holiday blocks), so they are accepted.
  for (const d of holidays) {
    if (workingDays.has(d)) problems.push(`${d} is listed both in holidays and in workingDays`);
  }
  return problems;
}

function validateOfficeHours(value: unknown, problems: string[]): void {
  if (!Array.isArray(value)) {
    problems.push(`officeHours must be an array of {start, end} intervals, got ${show(value)}`);
    return;
  }
  // Without office hours no deadline could ever be reached; refuse rather than loop forever.
  if (value.length === 0) problems.push('officeHours must contain at least one interval');
  let previousEnd = -1;
  value.forEach((iv: unknown, i) => {
    const where = `officeHours[${i}]`;
    if (typeof iv !== 'object' || iv === null) {
      problems.push(`${where} must be an object {start, end}, got ${show(iv)}`);
      previousEnd = DAY_MS + 1; // order of the following intervals cannot be judged
      return;
    }
    const { start, end } = iv as Record<string, unknown>;
    const startMs = typeof start === 'string' ? parseHhMm(start) : undefined;
    const endMs = typeof end === 'string' ? parseHhMm(end, true) : undefined;
    if (startMs === undefined) problems.push(`${where}.start must be an HH:MM time, got ${show(start)}`);
    if (endMs === undefined) problems.push(`${where}.end must be an HH:MM time (24:00 allowed), got ${show(end)}`);
    if (startMs === undefined || endMs === undefined) return;
    if (endMs <= startMs) problems.push(`${where} is empty or reversed: ${start as string}-${end as string}`);
    // Touching intervals (12:00-12:00) are allowed; overlap or disorder is not.
    if (startMs < previousEnd) {
      problems.push(`${where} (${start as string}-${end as string}) overlaps or precedes the previous interval`);
    }
    previousEnd = Math.max(previousEnd, endMs);
  });
}

function validateDates(field: string, value: unknown, problems: string[]): Set<string> {
  const valid = new Set<string>();
  if (!Array.isArray(value)) {
    problems.push(`${field} must be an array of YYYY-MM-DD dates, got ${show(value)}`);
    return valid;
  }
  value.forEach((d: unknown, i) => {
    if (typeof d === 'string' && parseLocalDate(d) !== undefined) valid.add(d);
    else problems.push(`${field}[${i}] is not a valid YYYY-MM-DD date: ${show(d)}`);
  });
  return valid;
}

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  const json = JSON.stringify(v);
  return json === undefined ? String(v) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
