/**
 * The reports laid out as the forms a province files: a title block, two rows of headings (a
 * group heading over its columns), a row per unit (or procedure) and the total. One neutral table
 * that both the CSV and the workbook writers render, so the two cannot disagree. Pure.
 */
import { localDateOf, toLocalIso } from '../../calendar/index.js';
import type { StepRow, TimelinessRow } from '../../projections/report-index/timeliness-report.js';
import type { StepReport, TimelinessReport } from '../supervision-queries.js';

export type Cell = string | number;

/** A heading over one column (spanning both heading rows), or over several (each with its own). */
export interface HeadingGroup {
  label: string;
  columns?: string[];
  width?: number;
}

export interface FormTable {
  sheetName: string;
  /** ASCII, no extension: `II06a_STP_2026-01-01_2026-03-31`. */
  fileStem: string;
  /** Lines above the table, each across its full width. */
  titles: string[];
  groups: HeadingGroup[];
  /** The body rows, then the total row last. */
  rows: Cell[][];
  notes: string[];
}

/** Names of units and procedures, as the catalog holds them (the key itself when unknown). */
export interface Names {
  unit(unitId: string): string;
  procedure(code: string): string;
}

export const TOTAL_LABEL = 'Tổng cộng';

export const II06A_GROUPS = (firstLabel: string): HeadingGroup[] => [
  { label: 'STT', width: 6 },
  { label: firstLabel, width: 42 },
  { label: 'Số hồ sơ nhận giải quyết', columns: ['Tổng số', 'Kỳ trước chuyển qua', 'Trực tuyến', 'Trực tiếp và bưu chính'] },
  { label: 'Số hồ sơ đã giải quyết', columns: ['Tổng số', 'Trước hạn', 'Đúng hạn', 'Quá hạn'] },
  { label: 'Số hồ sơ đang giải quyết', columns: ['Tổng số', 'Trong hạn', 'Quá hạn'] },
  // Outside the form, which has no column for them: without it a row does not add up.
  { label: 'Số hồ sơ đã rút (ngoài mẫu)', width: 14 },
  { label: 'Mã', width: 22 },
];

const ii06aNumbers = (r: Omit<TimelinessRow, 'key'>): number[] => [
  r.carriedOver + r.received.total,
  r.carriedOver,
  r.received.online,
  r.received.direct + r.received.postal,
  r.resolved.total,
  r.resolved.early,
  r.resolved.onTime,
  r.resolved.late,
  r.inProgress.total,
  r.inProgress.withinDue,
  r.inProgress.overdue,
  r.withdrawn,
];

/** The timeliness report as Form II.06a (groupBy=child: a row per child unit; procedure: per procedure). */
export function timelinessForm(report: TimelinessReport, names: Names): FormTable {
  const byProcedure = report.groupBy === 'procedure';
  const label = (key: string) => (byProcedure ? names.procedure(key) : names.unit(key));
  const rows = report.rows.map((r, i): Cell[] => [i + 1, label(r.key), ...ii06aNumbers(r), r.key]);
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const titles = [
    'Mẫu II.06a',
    'BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH',
    unitLine('Đơn vị', report.unitId, names, report.scope),
    `Kỳ báo cáo: ${periodLabel(from, to)}`,
    byProcedure ? 'Chia theo: thủ tục hành chính' : report.groupBy === 'child' ? 'Chia theo: đơn vị trực thuộc' : 'Chia theo: không',
    `Số liệu tính đến ${endLabel(Date.parse(report.evaluatedAt))} (giờ Việt Nam, UTC+7)`,
  ];
  if (report.asOf !== undefined) titles.push(`Theo dữ liệu đã ghi nhận đến ${instantLabel(Date.parse(report.asOf))} (asOf ${report.asOf})`);
  return {
    sheetName: 'II.06a',
    fileStem: `II06a_${report.unitId}_${fileDates(from, to)}`,
    titles,
    groups: II06A_GROUPS(byProcedure ? 'Thủ tục hành chính' : 'Đơn vị'),
    rows: [...rows, ['', TOTAL_LABEL, ...sumColumns(rows, 2, 12), '']],
    notes: [
      'Tổng số nhận = Kỳ trước chuyển qua + Trực tuyến + Trực tiếp và bưu chính = Đã giải quyết + Đang giải quyết + Đã rút.',
      'Quá hạn (đang giải quyết): hạn giải quyết đã qua tại thời điểm tính số liệu; Trong hạn gồm cả hồ sơ chờ bổ sung.',
    ],
  };
}

export const STEP_GROUPS: HeadingGroup[] = [
  { label: 'STT', width: 6 },
  { label: 'Đơn vị xử lý', width: 42 },
  { label: 'Số bước đã kết thúc trong kỳ', columns: ['Tổng số', 'Có thời hạn', 'Đúng hạn', 'Quá hạn'] },
  { label: 'Số bước đang xử lý', columns: ['Tổng số', 'Có thời hạn', 'Quá hạn'] },
  { label: 'Hồ sơ trễ hạn do đơn vị chịu trách nhiệm', width: 18 },
  { label: 'Mã', width: 22 },
];

const stepNumbers = (r: StepRow): number[] => [
  r.ended.total,
  r.ended.withAllotment,
  r.ended.onTime,
  r.ended.late,
  r.open.total,
  r.open.withAllotment,
  r.open.overrunning,
  r.responsibleForLate,
];

/** The step report: a row per unit that handled steps of the unit's dossiers. */
export function stepsForm(report: StepReport, names: Names): FormTable {
  const rows = report.rows.map((r, i): Cell[] => [i + 1, names.unit(r.unitId), ...stepNumbers(r), r.unitId]);
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  return {
    sheetName: 'Tiến độ theo bước',
    fileStem: `Buoc_${report.unitId}_${fileDates(from, to)}`,
    titles: [
      'BÁO CÁO TIẾN ĐỘ XỬ LÝ THEO BƯỚC CỦA CÁC ĐƠN VỊ',
      unitLine('Hồ sơ tiếp nhận tại', report.unitId, names, report.scope),
      `Kỳ báo cáo: ${periodLabel(from, to)}`,
      `Số liệu tính đến ${endLabel(Date.parse(report.evaluatedAt))} (giờ Việt Nam, UTC+7)`,
    ],
    groups: STEP_GROUPS,
    rows: [...rows, ['', TOTAL_LABEL, ...sumColumns(rows, 2, 8), '']],
    notes: ['Có thời hạn: bước được giao số giờ làm việc khi chuyển; Quá hạn (đang xử lý): đã dùng hết số giờ được giao.'],
  };
}

export function unitLine(lead: string, unitId: string, names: Names, scope: TimelinessReport['scope']): string {
  return `${lead}: ${names.unit(unitId)} (${unitId})${scope === 'subtree' ? ', gồm các đơn vị trực thuộc' : ''}`;
}

function sumColumns(rows: Cell[][], first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => rows.reduce((acc, row) => acc + (row[first + i] as number), 0));
}

// ---- local (+07:00) dates, as the forms write them ----

const isLocalMidnight = (ms: number) => toLocalIso(ms).slice(10, 19) === 'T00:00:00' && ms % 1000 === 0;

/** dd/MM/yyyy of the local day containing the instant. */
export function dateLabel(ms: number): string {
  const [y, m, d] = localDateOf(ms).split('-');
  return `${d}/${m}/${y}`;
}

/** "HH:mm ngày dd/MM/yyyy" (seconds shown only when not zero). */
export function instantLabel(ms: number): string {
  const time = toLocalIso(ms).slice(11, 19);
  return `${time.endsWith(':00') ? time.slice(0, 5) : time} ngày ${dateLabel(ms)}`;
}

/** An end instant: "hết ngày 31/03/2026" at local midnight (00:00 on 1 April), else as instantLabel. */
export const endLabel = (ms: number) => (isLocalMidnight(ms) ? `hết ngày ${dateLabel(ms - 1)}` : instantLabel(ms));

/**
 * The period [from, to) in words. A bound at local midnight reads as a day: `to` is exclusive, so
 * a period ending at 00:00 on 1 April reads "đến ngày 31/03/2026".
 */
export function periodLabel(from: number, to: number): string {
  const start = isLocalMidnight(from) ? `từ ngày ${dateLabel(from)}` : `từ ${instantLabel(from)}`;
  const end = isLocalMidnight(to) ? `đến ngày ${dateLabel(to - 1)}` : `đến ${instantLabel(to)}`;
  return `${start} ${end}`;
}

/** `2026-01-01_2026-03-31`: the first and last local days of the period. */
export function fileDates(from: number, to: number): string {
  return `${localDateOf(from)}_${localDateOf(isLocalMidnight(to) ? to - 1 : to)}`;
}
