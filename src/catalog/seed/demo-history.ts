/**
 * A year of dossiers for the demo province, so that a newcomer's dashboard and reports show real
 * figures at once: generated through the real decider (dossier-history.ts) up to the service's
 * "now", with the recent ones still open and some falling due in the coming days. Appended as
 * ordinary events (actor `demo-seed`), one append per dossier stream, many per store transaction.
 */
import { type CompiledCalendar, localDateOf, localInstant } from '../../calendar/index.js';
import type { EventStore } from '../../event-store/event-store.port.js';
import type { ProcedureDefinition } from '../events.js';
import { DEMO_PROCEDURES } from './demo-province.js';
import { type HistoryTally, HistoryGenerator, type Placement } from './dossier-history.js';
import { Rng } from './rng.js';

export const DEMO_SEED_ACTOR = 'demo-seed';
/** Dossiers received over the demo year: a province of 35 units, seeded in a few seconds. */
export const DEMO_HISTORY_DOSSIERS = 10_000;
const SEED = 20_251_207;
const DAY = 86_400_000;
/** Appends issued together: the SQLite store writes those of one turn in one transaction. */
const BATCH = 500;

type Level = 'commune' | 'district' | 'province';
/** How a demo procedure is handled: its level, share of the arrivals, and (province level) the office that appraises it. */
const PROFILES: Record<string, [Level, number, string?]> = {
  'HT-KHAISINH': ['commune', 10],
  'HT-KETHON': ['commune', 3],
  'HT-KHAITU': ['commune', 2],
  'HT-XNTTHN': ['commune', 4],
  'HT-THAYDOI': ['commune', 1],
  'CT-BANSAO': ['commune', 16],
  'CT-CHUKY': ['commune', 6],
  'BTXH-TROCAP': ['commune', 1],
  'DN-HKD': ['district', 3],
  'DD-CHUYENNHUONG': ['district', 4, 'VPDKDD'],
  'DD-CAPDOI': ['district', 2, 'VPDKDD'],
  'DD-XOATHECHAP': ['district', 2, 'VPDKDD'],
  'DD-DANGKYTHECHAP': ['district', 3, 'VPDKDD'],
  'DD-CAPLANDAU': ['district', 0.8, 'VPDKDD'],
  'XD-GPXD': ['district', 1.5],
  'TP-LLTP': ['province', 2, 'STP-HCTP'],
  'TP-CONGCHUNG': ['province', 0.1, 'STP-HCTP'],
  'DN-THANHLAP': ['province', 2, 'SKHDT-DKKD'],
  'DN-THAYDOI': ['province', 2, 'SKHDT-DKKD'],
  'DT-CHUTRUONG': ['province', 0.05, 'SKHDT-DKKD'],
  'MT-DTM': ['province', 0.05, 'STNMT-MT'],
  'MT-GPMT': ['province', 0.1, 'STNMT-MT'],
  'XD-GPXD-CT': ['province', 0.2, 'SXD-QLXD'],
  'XD-CCHN': ['province', 0.2, 'SXD-QLXD'],
  'GT-GPLX-DOI': ['province', 3, 'SGTVT-QLPT'],
  'GT-DKXE': ['province', 0.3, 'SGTVT-QLPT'],
  'YT-CCHN-DUOC': ['province', 0.2, 'SYT-NVD'],
  'YT-GPHD': ['province', 0.05, 'SYT-NVD'],
  'LD-GPLD': ['province', 0.2, 'SLDTBXH-VL'],
  'LD-TCTN': ['province', 0.4, 'SLDTBXH-VL'],
  'GD-VANBANG': ['province', 0.3, 'STP-HCTP'],
  'NN-GCNATTP': ['province', 0.2, 'SYT-NVD'],
};

const DISTRICTS = [
  { id: 'HUYEN-AN', communes: 3 },
  { id: 'HUYEN-BINH', communes: 3 },
  { id: 'TP-DEMO', communes: 4 },
].map((d) => ({ id: d.id, bpmc: `${d.id}.BPMC`, land: `${d.id}.VPDKDD`, communes: Array.from({ length: d.communes }, (_, i) => `${d.id}.XA${i + 1}`) }));
const COMMUNES = DISTRICTS.flatMap((district) => district.communes.map((id) => ({ id, district })));
const CENTRE = 'TTPVHCC';
const PROVINCE_OFFICES = [...new Set(Object.values(PROFILES).flatMap(([level, , office]) => (level === 'province' && office ? [office] : [])))];

/** The demo procedures the history uses: every one with a profile. */
export function demoHistoryProcedures(): ProcedureDefinition[] {
  return DEMO_PROCEDURES.filter((p) => PROFILES[p.code] !== undefined);
}

/** Where a dossier of the demo province is received and which units it passes through. */
function place(rng: Rng, p: ProcedureDefinition): Placement {
  const [level, , handler] = PROFILES[p.code];
  if (level === 'commune') {
    const commune = rng.pick(COMMUNES);
    // Most are decided at the commune; some go up to the district's counter for appraisal and come back.
    const route = rng.chance(0.75) ? [] : [{ unitId: commune.district.bpmc, share: 0.5 }, { unitId: commune.id, share: 0 }];
    return { unitId: commune.id, route };
  }
  if (level === 'district') {
    const district = rng.pick(DISTRICTS);
    const k = rng.float();
    if (handler === undefined) {
      // Decided at the counter, now and then after the commune has checked the facts.
      return { unitId: district.bpmc, route: k < 0.7 ? [] : [{ unitId: rng.pick(district.communes), share: 0.3 }, { unitId: district.bpmc, share: 0 }] };
    }
    const route =
      k < 0.4
        ? [{ unitId: district.land, share: 0.7 }]
        : k < 0.85
          ? [{ unitId: district.land, share: 0.7 }, { unitId: district.bpmc, share: 0.1 }]
          : [{ unitId: district.land, share: 0.5 }, { unitId: rng.pick(district.communes), share: 0.2 }, { unitId: district.bpmc, share: 0.1 }];
    return { unitId: district.bpmc, route };
  }
  const office = handler!;
  const other = rng.pick(PROVINCE_OFFICES.filter((o) => o !== office));
  const unitId = rng.chance(0.85) ? CENTRE : office;
  const k = rng.float();
  const route =
    k < 0.3
      ? [{ unitId: office, share: 0.7 }]
      : k < 0.8
        ? [{ unitId: office, share: 0.7 }, { unitId: CENTRE, share: 0.1 }]
        : [{ unitId: office, share: 0.5 }, { unitId: other, share: 0.2 }, { unitId: CENTRE, share: 0.1 }];
  return { unitId, route };
}

export interface DemoHistoryOptions {
  calendar: CompiledCalendar;
  /** Revision of the calendar stream in force (what the events cite). */
  calendarRevision: number;
  /** The service clock's "now": the history covers the year up to it. */
  now: number;
  dossiers?: number;
}

/** The demo year's generator: arrivals from the local day a year before `now` up to `now`. */
export function demoHistory(o: DemoHistoryOptions): HistoryGenerator<ProcedureDefinition> {
  const rng = new Rng(SEED);
  const year = localDateOf(o.now).slice(0, 4);
  return new HistoryGenerator<ProcedureDefinition>({
    rng,
    calendar: o.calendar,
    calendarRevision: o.calendarRevision,
    startMs: localInstant(localDateOf(o.now - 365 * DAY)),
    endMs: o.now,
    dossiers: o.dossiers ?? DEMO_HISTORY_DOSSIERS,
    procedures: demoHistoryProcedures(),
    weight: (p) => PROFILES[p.code][1],
    definition: (p) => p,
    place: (p) => place(rng, p),
    dossierId: (n) => `DEMO-${year}-${String(n).padStart(6, '0')}`,
    actor: DEMO_SEED_ACTOR,
    watcherActor: DEMO_SEED_ACTOR,
    // Most open dossiers are those whose work is not done by now; a few older ones stalled.
    backlog: { after: 0.85, chance: 0.06 },
  });
}

/** Appends the demo year to the store: one append per dossier (expected no_stream), BATCH at a time. */
export async function seedDemoHistory(store: EventStore, o: DemoHistoryOptions): Promise<HistoryTally> {
  const generator = demoHistory(o);
  let pending: Promise<unknown> = Promise.resolve();
  let batch: Promise<unknown>[] = [];
  for (const dossier of generator.dossiers()) {
    batch.push(store.append(dossier.streamId, dossier.events.map((e) => e.event), 'no_stream'));
    if (batch.length === BATCH) {
      // The next batch is generated while this one is written.
      await pending;
      pending = Promise.all(batch);
      pending.catch(() => undefined); // awaited below: a failure is not left unhandled meanwhile
      batch = [];
    }
  }
  await pending;
  await Promise.all(batch);
  return generator.tally;
}
