/** The entry-lag report as a table for CSV and workbook downloads (supervision/export renders it). */
import { type Cell, endLabel, fileDates, type FormTable, type Names, periodLabel, TOTAL_LABEL, unitLine } from '../supervision/export/form-table.js';
import type { EntryLagReport } from './entry-lag.queries.js';

const blank = (v: number | null): Cell => (v === null ? '' : v);

export function entryLagForm(report: EntryLagReport, names: Names): FormTable {
  const byType = report.groupBy === 'eventType';
  const rows = report.rows.map((r, i): Cell[] => [
    i + 1,
    byType ? r.key : names.unit(r.key),
    r.events,
    blank(r.medianMinutes),
    blank(r.p90Minutes),
    blank(r.maxMinutes),
    blank(r.medianOfficeMinutes),
    r.lateEntries,
    r.lateEntryShare === null ? '' : Math.round(r.lateEntryShare * 10_000) / 100,
    r.key,
  ]);
  const events = report.rows.reduce((n, r) => n + r.events, 0);
  const late = report.rows.reduce((n, r) => n + r.lateEntries, 0);
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  return {
    sheetName: 'Độ trễ cập nhật',
    fileStem: `DoTre_${report.unitId}_${fileDates(from, to)}`,
    titles: [
      'BÁO CÁO ĐỘ TRỄ CẬP NHẬT HỒ SƠ LÊN HỆ THỐNG',
      unitLine('Đơn vị', report.unitId, names, report.scope),
      `Kỳ báo cáo: ${periodLabel(from, to)} (theo thời điểm xảy ra)`,
      byType ? 'Chia theo: loại sự kiện' : report.groupBy === 'child' ? 'Chia theo: đơn vị trực thuộc' : 'Chia theo: không',
      `Số liệu tính đến ${endLabel(Date.parse(report.evaluatedAt))} (giờ Việt Nam, UTC+7)`,
    ],
    groups: [
      { label: 'STT', width: 6 },
      { label: byType ? 'Loại sự kiện' : 'Đơn vị', width: 42 },
      { label: 'Số sự kiện', width: 12 },
      { label: 'Độ trễ (phút)', columns: ['Trung vị', 'P90', 'Lớn nhất', 'Trung vị theo giờ hành chính'] },
      { label: 'Cập nhật trễ quá 1 ngày làm việc', columns: ['Số sự kiện', 'Tỷ lệ (%)'] },
      { label: 'Mã', width: 22 },
    ],
    rows: [...rows, ['', TOTAL_LABEL, events, '', '', '', '', late, events === 0 ? '' : Math.round((late / events) * 10_000) / 100, '']],
    notes: [
      'Độ trễ = thời điểm ghi nhận vào hệ thống - thời điểm xảy ra, tính cho đơn vị thực hiện việc đó.',
      'Trung vị và P90 tính theo hạng gần nhất trên các sự kiện của từng dòng (sai số tương đối không quá 0,5%; dưới 1 giây tính là 0); dòng tổng cộng không có trung vị.',
    ],
  };
}
