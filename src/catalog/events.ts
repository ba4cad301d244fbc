/**
 * Reference data, itself event-sourced: each unit, procedure and the calendar is a stream whose
 * latest `...Defined` event is its current definition (a PUT appends a new one).
 */
import type { CalendarSpec } from '../calendar/index.js';
import type { SupplementRule } from '../dossier/events.js';

export const UNIT_LEVELS = ['province', 'department', 'district', 'commune', 'office'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

export interface UnitDefinition {
  unitId: string;
  name: string;
  parentId?: string;
  level: UnitLevel;
}

export interface ProcedureDefinition {
  code: string;
  name: string;
  statutoryWorkingDays: number;
  onSupplement: SupplementRule;
}

export interface UnitDefined {
  type: 'UnitDefined';
  data: UnitDefinition;
}
export interface ProcedureDefined {
  type: 'ProcedureDefined';
  data: ProcedureDefinition;
}
export interface CalendarDefined {
  type: 'CalendarDefined';
  data: CalendarSpec;
}

/**
 * One year's announced days off and make-up Saturdays (PUT /calendar/years/{year}), on the
 * calendar stream: replaces that year's entry and leaves the other years as they are.
 */
export interface CalendarYearEntered {
  type: 'CalendarYearEntered';
  data: {
    year: number;
    holidays: string[];
    workingDays: string[];
    official: boolean;
    sources: string[];
  };
}

export type CatalogEvent = UnitDefined | ProcedureDefined | CalendarDefined | CalendarYearEntered;

export const UNIT_STREAM_PREFIX = 'unit-';
export const PROCEDURE_STREAM_PREFIX = 'procedure-';
export const CALENDAR_STREAM = 'calendar-default';
export const CATALOG_STREAM_PREFIXES = [UNIT_STREAM_PREFIX, PROCEDURE_STREAM_PREFIX, 'calendar-'];

export const unitStream = (unitId: string) => `${UNIT_STREAM_PREFIX}${unitId}`;
export const procedureStream = (code: string) => `${PROCEDURE_STREAM_PREFIX}${code}`;
