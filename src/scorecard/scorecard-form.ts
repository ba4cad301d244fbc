/**
 * The scorecard as a table for CSV and the workbook (supervision/export): Vietnamese headings, a
 * row per unit, the total of the rows (groupBy child), the formulas in notes. Pure.
 */
import { localDateOf } from '../calendar/index.js';
import { type Cell, endLabel, type FormTable, type HeadingGroup, instantLabel, type Names, periodLabel, TOTAL_LABEL } from '../supervision/export/form-table.js';
import { INDICATORS, type IndicatorName } from '../targets/targets.js';
import type { IndicatorFigure, ScorecardRow } from './scorecard.js';
import type { ScorecardReport } from './scorecard-queries.js';

export const INDICATOR_LABELS: Record<IndicatorName, string> = {
  onTimeRate: 'Tỷ lệ giải quyết đúng hạn',
  onlineShare: 'Tỷ lệ hồ sơ tiếp nhận trực tuyến',
  digitizedShare: 'Tỷ lệ hồ sơ được số hóa',
  resultDigitizedShare: 'Tỷ lệ kết quả được số hóa',
  progressIndicator: 'Chỉ số tiến độ (QĐ 766/QĐ-TTg)',
};

const NOTES: Record<IndicatorName, string> = {
  onTimeRate: 'số hồ sơ giải quyết trước hạn và đúng hạn / số hồ sơ đã giải quyết trong kỳ',
  onlineShare: 'số hồ sơ tiếp nhận trực tuyến / số hồ sơ tiếp nhận trong kỳ',
  digitizedShare: 'số hồ sơ được số hóa khi tiếp nhận / số hồ sơ tiếp nhận trong kỳ',
  resultDigitizedShare: 'số hồ sơ giải quyết có kết quả được số hóa / số hồ sơ đã giải quyết trong kỳ',
  progressIndicator:
    '(số hồ sơ giải quyết trước hạn và đúng hạn + số hồ sơ đang giải quyết trong hạn) / (số hồ sơ đã giải quyết + số hồ sơ đang giải quyết); hồ sơ chờ bổ sung tính là trong hạn',
};

const GROUPS: HeadingGroup[] = [
  { label: 'STT', width: 6 },
  { label: 'Đơn vị', width: 42 },
  ...INDICATORS.map((name) => ({ label: INDICATOR_LABELS[name], columns: ['Kết quả (%)', 'Chỉ tiêu (%)', 'Đánh giá', 'Xếp hạng'] })),
  { label: 'Mã', width: 22 },
];

/** A share as a percentage with two decimals. */
const percent = (v: number | null): Cell => (v === null ? '' : Math.round(v * 10_000) / 100);
const verdict = (met: boolean | null): Cell => (met === null ? '' : met ? 'Đạt' : 'Chưa đạt');

const cells = (f: Pick<IndicatorFigure, 'value' | 'target' | 'met' | 'rank'>): Cell[] => [percent(f.value), percent(f.target), verdict(f.met), f.rank ?? ''];

/** The rows' figures added up: each share over the sums of its numerators and denominators. */
function totalOf(rows: ScorecardRow[], indicator: IndicatorName, target: number): Cell[] {
  const numerator = rows.reduce((n, r) => n + r[indicator].numerator, 0);
  const denominator = rows.reduce((n, r) => n + r[indicator].denominator, 0);
  const value = denominator === 0 ? null : numerator / denominator;
  return cells({ value, target, met: value === null ? null : value >= target, rank: null });
}

export function scorecardForm(report: ScorecardReport, names: Names): FormTable {
  const rows = report.rows.map((r, i): Cell[] => [i + 1, names.unit(r.key), ...INDICATORS.flatMap((name) => cells(r[name])), r.key]);
  if (report.groupBy === 'child') rows.push(['', TOTAL_LABEL, ...INDICATORS.flatMap((name) => totalOf(report.rows, name, report.targets[name])), '']);
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const titles = [
    'BẢNG ĐÁNH GIÁ CHỈ TIÊU GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH',
    `Đơn vị: ${names.unit(report.unitId)} (${report.unitId})${report.scope === 'subtree' ? ', gồm các đơn vị trực thuộc' : ''}`,
    `Kỳ đánh giá: ${periodLabel(from, to)}`,
    report.groupBy === 'child' ? 'Chia theo: đơn vị trực thuộc (xếp hạng giữa các đơn vị trực thuộc)' : 'Xếp hạng: giữa các đơn vị cùng cấp',
    `Số liệu tính đến ${endLabel(Date.parse(report.evaluatedAt))} (giờ Việt Nam, UTC+7)`,
  ];
  if (report.asOf !== undefined) titles.push(`Theo dữ liệu đã ghi nhận đến ${instantLabel(Date.parse(report.asOf))} (asOf ${report.asOf})`);
  const lastDay = localDateOf(to - 1);
  return {
    sheetName: 'Chỉ tiêu',
    fileStem: `ChiTieu_${report.unitId}_${localDateOf(from)}_${lastDay}`,
    titles,
    groups: GROUPS,
    rows,
    notes: [
      ...INDICATORS.map((name) => `${INDICATOR_LABELS[name]} = ${NOTES[name]}.`),
      'Xếp hạng: giá trị cao hơn xếp trước; các đơn vị bằng nhau cùng hạng (1, 1, 3); đơn vị không có số liệu không xếp hạng.',
    ],
  };
}
