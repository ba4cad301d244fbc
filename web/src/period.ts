/**
 * Report periods as the service counts them: days in Vietnam time (+07:00), weeks from Monday,
 * `to` exclusive. A period that contains now has no `to`, so that the report (and its live stream)
 * runs up to each evaluation's now. Pure: `now` comes in.
 */
export type PeriodKind = 'week' | 'month' | 'quarter' | 'year' | 'custom';
export const PERIOD_KINDS: readonly PeriodKind[] = ['week', 'month', 'quarter', 'year', 'custom'];

export interface Period {
  kind: PeriodKind;
  /** ISO instant with +07:00. */
  from: string;
  /** ISO instant with +07:00, exclusive; absent: up to now. */
  to?: string;
}

const VN_OFFSET_MS = 7 * 3600_000;

/** A local (+07:00) calendar date as `YYYY-MM-DD`. */
export function localDate(instantMs: number): string {
  return new Date(instantMs + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight (+07:00) starting a local date, as an ISO instant with its offset. */
export function startOfDay(date: string): string {
  return `${date}T00:00:00+07:00`;
}

/** The local date `days` after `date`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The first local date of the month `months` after the month of `date`. */
export function addMonths(date: string, months: number): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** The period of a kind containing now; `custom` takes its first and last local dates (inclusive). */
export function periodOf(kind: PeriodKind, nowMs: number, custom?: { first: string; last: string }): Period {
  const today = localDate(nowMs);
  const [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  switch (kind) {
    case 'week': {
      const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
      return { kind, from: startOfDay(addDays(today, -weekday)) };
    }
    case 'month':
      return { kind, from: startOfDay(`${today.slice(0, 7)}-01`) };
    case 'quarter': {
      const first = Math.floor((m - 1) / 3) * 3 + 1;
      return { kind, from: startOfDay(`${y}-${String(first).padStart(2, '0')}-01`) };
    }
    case 'year':
      return { kind, from: startOfDay(`${y}-01-01`) };
    case 'custom': {
      const first = custom?.first ?? today;
      const last = custom?.last ?? today;
      return { kind, from: startOfDay(first), to: startOfDay(addDays(last < first ? first : last, 1)) };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown period ${String(never)}`);
    }
  }
}

/** The twelve months ending with the current one, oldest first: `{ month: 'YYYY-MM', from, to? }`. */
export function lastTwelveMonths(nowMs: number): { month: string; from: string; to?: string }[] {
  const thisMonth = `${localDate(nowMs).slice(0, 7)}-01`;
  const months = [];
  for (let i = -11; i <= 0; i++) {
    const first = addMonths(thisMonth, i);
    months.push({ month: first.slice(0, 7), from: startOfDay(first), ...(i < 0 ? { to: startOfDay(addMonths(first, 1)) } : {}) });
  }
  return months;
}

/** An instant as the value of a `datetime-local` input, in Vietnam time (`YYYY-MM-DDTHH:mm`). */
export function toLocalInput(iso: string): string {
  return new Date(Date.parse(iso) + VN_OFFSET_MS).toISOString().slice(0, 16);
}

/** A `datetime-local` input's value, read as Vietnam time, as an ISO instant; undefined when empty or malformed. */
export function fromLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}:00+07:00`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
