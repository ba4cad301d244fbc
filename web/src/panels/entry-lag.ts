/**
 * How late each unit records what happened (GET /units/{id}/entry-lag): a row per child unit (and
 * the unit itself when it recorded events of its own), the whole unit's figures as the last row
 * (a second call, groupBy none: medians do not add up), lags as durations, the late share marked.
 * The download buttons fetch the same report as a workbook or CSV.
 */
import { html } from 'lit-html';
import type { Query } from '../api.js';
import { formatDuration, formatNumber, formatRate, t } from '../i18n.js';
import type { EntryLagReport, EntryLagRow, View } from '../types.js';
import { LoadingPanel, unitName } from './panel.js';

/** From this late share on a row is marked as a problem; any late entry at all is marked lightly. */
const HIGH_SHARE = 0.2;

interface Loaded {
  byChild: EntryLagReport;
  whole: EntryLagRow | undefined;
}

export function entryLagQuery(view: View): Query {
  return { from: view.period.from, to: view.period.to, groupBy: 'child' };
}

export class EntryLagPanel extends LoadingPanel<Loaded> {
  constructor() {
    super('entry-lag');
  }

  protected title(): string {
    return t('entryLag');
  }

  protected async load(view: View, signal: AbortSignal): Promise<Loaded> {
    const path = `/units/${encodeURIComponent(view.unit.unitId)}/entry-lag`;
    const [byChild, whole] = await Promise.all([
      view.api.get<EntryLagReport>(path, entryLagQuery(view), signal),
      view.api.get<EntryLagReport>(path, { ...entryLagQuery(view), groupBy: undefined }, signal),
    ]);
    return { byChild, whole: whole.rows[0] };
  }

  protected tools(view: View) {
    const download = (format: 'xlsx' | 'csv') => {
      const name = `do-tre-${view.unit.unitId}-${view.period.from.slice(0, 10)}.${format}`;
      view.api.download(`/units/${encodeURIComponent(view.unit.unitId)}/entry-lag`, { ...entryLagQuery(view), format }, name).catch((e: unknown) => this.fail(e));
    };
    return html`<div class="tools">
      <button type="button" data-format="xlsx" aria-label="${t('download')} Excel: ${t('entryLag')}" @click=${() => download('xlsx')}>${t('download')} Excel</button>
      <button type="button" data-format="csv" aria-label="${t('download')} CSV: ${t('entryLag')}" @click=${() => download('csv')}>${t('download')} CSV</button>
    </div>`;
  }

  protected body(view: View, { byChild, whole }: Loaded) {
    const lag = (minutes: number | null, office = false) =>
      html`<td class="num" data-minutes=${minutes ?? ''} title=${minutes === null ? '' : `${formatNumber(minutes)} ${t('minutes')}`}>${formatDuration(minutes, office)}</td>`;
    const share = (r: EntryLagRow) => {
      const level = r.lateEntryShare === null || r.lateEntryShare === 0 ? '' : r.lateEntryShare >= HIGH_SHARE ? 'share high' : 'share some';
      return html`<td class="num ${level}" data-share=${r.lateEntryShare ?? ''}>${formatRate(r.lateEntryShare)}</td>`;
    };
    const cells = (r: EntryLagRow) => html`<td class="num">${formatNumber(r.events)}</td>
      ${lag(r.medianMinutes)}${lag(r.p90Minutes)}${lag(r.maxMinutes)}${lag(r.medianOfficeMinutes, true)}
      <td class="num">${formatNumber(r.lateEntries)}</td>
      ${share(r)}`;
    return html`<p class="muted small">${t('entryLagHint')}${view.asOf ? ` ${t('entryLagNotAsOf')}` : ''}</p>
      <div class="table-wrap">
        <table class="lag-table" data-from=${byChild.from} data-to=${byChild.to}>
          <caption class="visually-hidden">${t('entryLag')}: ${unitName(view, byChild.unitId)}</caption>
          <thead>
            <tr>
              <th scope="col" rowspan="2">${t('unit')}</th>
              <th scope="col" rowspan="2">${t('events')}</th>
              <th scope="colgroup" colspan="4">${t('lagGroup')}</th>
              <th scope="col" rowspan="2">${t('lateEntries')}</th>
              <th scope="col" rowspan="2">${t('lateShare')}</th>
            </tr>
            <tr>
              <th scope="col">${t('median')}</th>
              <th scope="col">${t('p90')}</th>
              <th scope="col">${t('longest')}</th>
              <th scope="col">${t('medianOffice')}</th>
            </tr>
          </thead>
          <tbody>
            ${byChild.rows.map((r) => html`<tr data-unit=${r.key}><th scope="row">${unitName(view, r.key)}</th>${cells(r)}</tr>`)}
          </tbody>
          ${whole
            ? html`<tfoot>
                <tr data-unit="total"><th scope="row">${t('wholeUnit')}</th>${cells(whole)}</tr>
              </tfoot>`
            : ''}
        </table>
      </div>`;
  }
}
