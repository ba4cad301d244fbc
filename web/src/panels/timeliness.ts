/**
 * Form II.06a for the chosen unit: a row per child unit and the total, kept up to date by the live
 * stream (GET /units/{id}/timeliness/live); an auditor's "as of" view is a single report instead.
 * The download buttons fetch the same report as a workbook or CSV with the key. A live row also
 * counts its unit's dossiers on each review list, each count opening that list.
 */
import { html } from 'lit-html';
import { ApiError, type Query } from '../api.js';
import { formatDate, formatInstant, formatNumber, formatRate, t } from '../i18n.js';
import { ATTENTION_KINDS, type AttentionScope, type TimelinessReport, type TimelinessRow, type View } from '../types.js';
import { LoadingPanel, unitName } from './panel.js';

const RECONNECT_MS = 2000;

export function reportQuery(view: View): Query {
  return { from: view.period.from, to: view.period.to, groupBy: 'child', asOf: view.asOf };
}

/** The total row: counts added up, the rate recomputed as the service does (early + on time over resolved). */
export function totalOf(rows: TimelinessRow[]): Omit<TimelinessRow, 'key'> {
  const sum = (pick: (r: TimelinessRow) => number) => rows.reduce((acc, r) => acc + pick(r), 0);
  const resolvedTotal = sum((r) => r.resolved.total);
  const early = sum((r) => r.resolved.early);
  const onTime = sum((r) => r.resolved.onTime);
  return {
    carriedOver: sum((r) => r.carriedOver),
    received: { total: sum((r) => r.received.total), online: sum((r) => r.received.online), direct: sum((r) => r.received.direct), postal: sum((r) => r.received.postal) },
    resolved: { total: resolvedTotal, early, onTime, late: sum((r) => r.resolved.late), lateWithApology: sum((r) => r.resolved.lateWithApology), lateWithoutApology: sum((r) => r.resolved.lateWithoutApology) },
    withdrawn: sum((r) => r.withdrawn),
    inProgress: { total: sum((r) => r.inProgress.total), withinDue: sum((r) => r.inProgress.withinDue), overdue: sum((r) => r.inProgress.overdue), awaitingSupplement: sum((r) => r.inProgress.awaitingSupplement) },
    onTimeRate: resolvedTotal === 0 ? null : (early + onTime) / resolvedTotal,
  };
}

/** The form's columns, in order, from a row (the form's "total" counts what was carried over too). */
export function formCells(r: Omit<TimelinessRow, 'key'>): number[] {
  return [
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
  ];
}

type Counts = TimelinessRow['attention'];

/** The four counts in one cell, each opening its list for the row's units; dashes while they are being counted. */
function attentionCell(view: View, unitId: string, scope: AttentionScope, counts: Counts) {
  return html`<td class="attn" data-ready=${counts ? 'true' : 'false'}>
    ${ATTENTION_KINDS.map((k) =>
      counts
        ? html`<button
            type="button"
            class="attn-count ${counts[k] === 0 ? 'zero' : k === 'overdue' ? 'hot' : ''}"
            data-kind=${k}
            data-count=${counts[k]}
            title=${t(`kind_${k}`)}
            aria-label=${`${t(`kind_${k}`)}: ${formatNumber(counts[k])}`}
            @click=${() => view.openAttention(unitId, scope, k)}
          >
            ${formatNumber(counts[k])}
          </button>`
        : html`<span class="attn-count" data-kind=${k} title=${t(`kind_${k}`)}>-</span>`,
    )}
  </td>`;
}

export class TimelinessPanel extends LoadingPanel<TimelinessReport> {
  private live = false;

  constructor() {
    super('timeliness');
  }

  protected title(): string {
    return t('timeliness');
  }

  protected load(view: View, signal: AbortSignal): Promise<TimelinessReport> {
    this.live = false;
    if (view.asOf !== undefined) return view.api.get<TimelinessReport>(`/units/${encodeURIComponent(view.unit.unitId)}/timeliness`, reportQuery(view), signal);
    return new Promise((resolve, reject) => {
      let first = true;
      const connect = (): void => {
        view.api
          .stream(`/units/${encodeURIComponent(view.unit.unitId)}/timeliness/live`, reportQuery(view), signal, (event, data) => {
            if (event !== 'timeliness') return;
            this.live = true;
            if (first) {
              first = false;
              resolve(data as TimelinessReport);
            } else this.update(data as TimelinessReport);
          })
          .then(
            () => retry(),
            (error: unknown) => {
              if (signal.aborted || (error instanceof ApiError && error.status === 401)) return;
              if (first) reject(error);
              else retry();
            },
          );
      };
      // The stream ended (a restart, a proxy's timeout): show it, and join again shortly.
      const retry = (): void => {
        if (signal.aborted) return;
        this.live = false;
        this.redraw();
        setTimeout(() => !signal.aborted && connect(), RECONNECT_MS);
      };
      connect();
    });
  }

  protected tools(view: View) {
    const download = (format: 'xlsx' | 'csv') => {
      const name = `bieu-II.06a-${view.unit.unitId}-${view.period.from.slice(0, 10)}.${format}`;
      view.api.download(`/units/${encodeURIComponent(view.unit.unitId)}/timeliness`, { ...reportQuery(view), format }, name).catch((e: unknown) => this.fail(e));
    };
    return html`<div class="tools">
      <span class="live-status ${this.live ? 'on' : ''}" role="status">${view.asOf ? `${t('asOf')}: ${formatInstant(view.asOf)}` : this.live ? t('live') : t('liveOff')}</span>
      <button type="button" data-format="xlsx" @click=${() => download('xlsx')}>${t('download')} Excel</button>
      <button type="button" data-format="csv" @click=${() => download('csv')}>${t('download')} CSV</button>
    </div>`;
  }

  protected body(view: View, report: TimelinessReport) {
    const total = totalOf(report.rows);
    // An auditor's "as of" report has no counts (the lists are drawn at now): no column then.
    // No total of the counts: the unit's own row is left out when its period is all zeros, its
    // dossiers on the lists being older; the attention panel counts the whole unit.
    const attention = view.asOf === undefined;
    const kinds = ATTENTION_KINDS.map((k) => t(`kind_${k}`)).join(' · ');
    return html`<div class="table-wrap">
        <table class="form-table" data-from=${report.from} data-to=${report.to}>
          <caption>
            ${unitName(view, report.unitId)}: ${formatDate(report.from)} - ${formatDate(report.to, -1)}
          </caption>
          <thead>
            <tr>
              <th scope="col" rowspan="2">${t('stt')}</th>
              <th scope="col" rowspan="2">${t('unit')}</th>
              <th scope="colgroup" colspan="4">${t('receivedGroup')}</th>
              <th scope="colgroup" colspan="4">${t('resolvedGroup')}</th>
              <th scope="colgroup" colspan="3">${t('inProgressGroup')}</th>
              <th scope="col" rowspan="2">${t('onTimeRate')}</th>
              ${attention ? html`<th scope="col" rowspan="2" class="attn" title=${kinds}>${t('attentionColumn')}<span class="attn-kinds">${kinds}</span></th>` : ''}
            </tr>
            <tr>
              <th scope="col">${t('total')}</th>
              <th scope="col">${t('carriedOver')}</th>
              <th scope="col">${t('online')}</th>
              <th scope="col">${t('direct')} / ${t('postal')}</th>
              <th scope="col">${t('total')}</th>
              <th scope="col">${t('early')}</th>
              <th scope="col">${t('onTime')}</th>
              <th scope="col">${t('late')}</th>
              <th scope="col">${t('total')}</th>
              <th scope="col">${t('withinDue')}</th>
              <th scope="col">${t('late')}</th>
            </tr>
          </thead>
          <tbody>
            ${report.rows.map(
              (row, i) => html`<tr data-unit=${row.key}>
                <td>${i + 1}</td>
                <th scope="row">${unitName(view, row.key)}</th>
                ${formCells(row).map((n) => html`<td class="num">${formatNumber(n)}</td>`)}
                <td class="num">${formatRate(row.onTimeRate)}</td>
                ${attention ? attentionCell(view, row.key, row.key === report.unitId ? 'self' : 'subtree', row.attention ?? null) : ''}
              </tr>`,
            )}
          </tbody>
          <tfoot>
            <tr data-unit="total">
              <td></td>
              <th scope="row">${t('sum')}</th>
              ${formCells(total).map((n) => html`<td class="num">${formatNumber(n)}</td>`)}
              <td class="num">${formatRate(total.onTimeRate)}</td>
              ${attention ? html`<td class="attn"></td>` : ''}
            </tr>
          </tfoot>
        </table>
      </div>
      <p class="muted small">${formatInstant(report.evaluatedAt)} · #${report.position}</p>`;
  }
}
