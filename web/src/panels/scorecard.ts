/**
 * The chosen unit's scorecard over the period (GET /units/{id}/scorecard): for each child unit
 * every indicator against its target, met or not, and its rank among the children; then the unit
 * itself, ranked among its own siblings (a second call, groupBy none). Downloads as the report's.
 */
import { html } from 'lit-html';
import type { Query } from '../api.js';
import { formatRate, t } from '../i18n.js';
import { type IndicatorFigure, INDICATORS, type ScorecardReport, type ScorecardRow, type View } from '../types.js';
import { LoadingPanel, unitName } from './panel.js';

interface Loaded {
  byChild: ScorecardReport;
  own: ScorecardReport;
}

export function scorecardQuery(view: View): Query {
  return { from: view.period.from, to: view.period.to, groupBy: 'child', asOf: view.asOf };
}

export class ScorecardPanel extends LoadingPanel<Loaded> {
  constructor() {
    super('scorecard');
  }

  protected title(): string {
    return t('scorecard');
  }

  private path(view: View): string {
    return `/units/${encodeURIComponent(view.unit.unitId)}/scorecard`;
  }

  protected async load(view: View, signal: AbortSignal): Promise<Loaded> {
    const [byChild, own] = await Promise.all([
      view.api.get<ScorecardReport>(this.path(view), scorecardQuery(view), signal),
      view.api.get<ScorecardReport>(this.path(view), { ...scorecardQuery(view), groupBy: undefined }, signal),
    ]);
    return { byChild, own };
  }

  protected tools(view: View) {
    const download = (format: 'xlsx' | 'csv') => {
      const name = `chi-so-${view.unit.unitId}-${view.period.from.slice(0, 10)}.${format}`;
      view.api.download(this.path(view), { ...scorecardQuery(view), format }, name).catch((e: unknown) => this.fail(e));
    };
    return html`<div class="tools">
      <button type="button" data-format="xlsx" aria-label="${t('download')} Excel: ${t('scorecard')}" @click=${() => download('xlsx')}>${t('download')} Excel</button>
      <button type="button" data-format="csv" aria-label="${t('download')} CSV: ${t('scorecard')}" @click=${() => download('csv')}>${t('download')} CSV</button>
    </div>`;
  }

  protected body(view: View, { byChild, own }: Loaded) {
    const cell = (f: IndicatorFigure, among: number) => {
      const state = f.met === null ? '' : f.met ? 'met' : 'unmet';
      return html`<td class="num score ${state}" data-value=${f.value ?? ''} data-met=${f.met ?? ''} data-rank=${f.rank ?? ''} title="${f.numerator} / ${f.denominator}">
        ${formatRate(f.value)}
        ${f.met === null ? '' : html`<span class="mark" aria-hidden="true">${f.met ? '✓' : '✗'}</span><span class="visually-hidden">${f.met ? t('met') : t('unmet')}</span>`}
        ${f.rank === null ? '' : html`<span class="rank">${t('rank')} ${f.rank}/${among}</span>`}
      </td>`;
    };
    const row = (r: ScorecardRow, among: number, label: string, note = '') =>
      html`<tr data-unit=${r.key}>
        <th scope="row">${label}${note ? html`<br /><span class="muted small">${note}</span>` : ''}</th>
        ${INDICATORS.map((name) => cell(r[name], among))}
      </tr>`;
    const mine = own.rows[0];
    return html`<p class="muted small">${t('scorecardHint')}</p>
      <div class="table-wrap">
        <table class="score-table" data-from=${byChild.from} data-to=${byChild.to}>
          <caption class="visually-hidden">${t('scorecard')}: ${unitName(view, byChild.unitId)}</caption>
          <thead>
            <tr>
              <th scope="col">${t('unit')}</th>
              ${INDICATORS.map((name) => html`<th scope="col" data-indicator=${name}>${t(`ind_${name}`)}<br /><span class="muted small">${t('target')} ≥ ${formatRate(byChild.targets[name])}</span></th>`)}
            </tr>
          </thead>
          <tbody>
            ${byChild.rows.map((r) => row(r, byChild.rankedAmong.length, unitName(view, r.key)))}
          </tbody>
          ${mine
            ? html`<tfoot>
                ${row({ ...mine, key: 'total' }, own.rankedAmong.length, unitName(view, mine.key), t('thisUnit'))}
              </tfoot>`
            : ''}
        </table>
      </div>`;
  }
}
