/**
 * The demo year's generator on its own (no service): deterministic for a clock, only units and
 * procedures of the demo province, dues flagged where they cross a provisional calendar year.
 */
import { describe, expect, it } from '@jest/globals';
import { getDefaultCalendar, spansProvisional } from '../../src/calendar/index.js';
import { demoHistory, demoHistoryProcedures } from '../../src/catalog/seed/demo-history.js';
import { DEMO_PROCEDURES, DEMO_UNITS } from '../../src/catalog/seed/demo-province.js';

const NOW = Date.parse('2026-12-07T03:00:00.000Z');
const calendar = getDefaultCalendar();
const generate = () => [...demoHistory({ calendar, calendarRevision: 0, now: NOW, dossiers: 3_000 }).dossiers()];
const generated = generate();

describe('demo history generator', () => {
  it('gives every demo procedure a share of the arrivals', () => {
    expect(demoHistoryProcedures().map((p) => p.code)).toEqual(DEMO_PROCEDURES.map((p) => p.code));
  });

  it('is the same for the same clock', () => {
    expect(JSON.stringify(generate())).toBe(JSON.stringify(generated));
  });

  it('names only units of the demo province', () => {
    const units = new Set(DEMO_UNITS.map((u) => u.unitId));
    const named = new Set<string>();
    for (const d of generated) {
      for (const { event } of d.events) {
        for (const field of ['unitId', 'fromUnitId', 'toUnitId', 'responsibleUnitId']) {
          const v = event.data[field];
          if (typeof v === 'string') named.add(v);
        }
      }
    }
    expect([...named].filter((u) => !units.has(u))).toEqual([]);
    expect(named.size).toBeGreaterThan(20);
  });

  it('flags a due counted across a provisional year, as the decider does', () => {
    // Near the end of the last entered year, the longer procedures fall due in the next one (provisional).
    const received = generated
      .map((d) => d.events[0].event.data)
      .map((data) => ({ flagged: data.calendarProvisional === true, spans: spansProvisional(calendar, Date.parse(data.receivedAt as string), Date.parse(data.dueAt as string)) }));
    expect(received.filter((r) => r.flagged !== r.spans)).toEqual([]);
    expect(received.some((r) => r.flagged)).toBe(true);
  });

  it('records nothing after its clock, and leaves recent dossiers open', () => {
    const history = demoHistory({ calendar, calendarRevision: 0, now: NOW, dossiers: 3_000 });
    const last = Math.max(...[...history.dossiers()].flatMap((d) => d.events.map((e) => e.recordedAt)));
    expect(last).toBeLessThanOrEqual(NOW);
    expect(history.tally.open).toBeGreaterThan(0);
    expect(history.tally.resolved).toBeGreaterThan(history.tally.open);
  });
});
