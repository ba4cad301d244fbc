/**
 * The on-time rate of the chosen unit by month over the last twelve months: twelve report calls
 * (groupBy none), drawn as SVG bars by hand (no chart library for twelve rectangles), with the
 * same figures as a table for screen readers.
 */
import { html, svg } from 'lit-html';
import { lastTwelveMonths } from '../period.js';
import { formatRate, t } from '../i18n.js';
import type { TimelinessReport, View } from '../types.js';
import { LoadingPanel } from './panel.js';

interface MonthRate {
  month: string;
  rate: number | null;
  resolved: number;
}

const W = 600;
const H = 180;
const PAD = { left: 36, bottom: 22, top: 8 };

export class TrendPanel extends LoadingPanel<MonthRate[]> {
  constructor() {
    super('trend');
  }

  private shownFor = '';

  /** The last twelve months do not depend on the chosen period: a new period alone loads nothing. */
  override show(view: View): Promise<void> {
    const key = `${view.unit.unitId}|${view.asOf ?? ''}`;
    if (key === this.shownFor && this.data !== undefined) {
      this.view = view;
      return Promise.resolve();
    }
    this.shownFor = key;
    return super.show(view);
  }

  protected title(): string {
    return t('trend');
  }

  protected load(view: View, signal: AbortSignal): Promise<MonthRate[]> {
    const path = `/units/${encodeURIComponent(view.unit.unitId)}/timeliness`;
    return Promise.all(
      lastTwelveMonths(Date.now()).map(async (m) => {
        const report = await view.api.get<TimelinessReport>(path, { from: m.from, to: m.to, asOf: view.asOf }, signal);
        const row = report.rows[0];
        return { month: m.month, rate: row?.onTimeRate ?? null, resolved: row?.resolved.total ?? 0 };
      }),
    );
  }

  protected body(_view: View, months: MonthRate[]) {
    const slot = (W - PAD.left) / months.length;
    const plotH = H - PAD.bottom - PAD.top;
    const y = (rate: number) => PAD.top + plotH * (1 - rate);
    return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="trend-title" preserveAspectRatio="xMidYMid meet">
        ${[0, 0.5, 1].map((g) => svg`<line x1=${PAD.left} x2=${W} y1=${y(g)} y2=${y(g)} class="grid" />
          <text x=${PAD.left - 4} y=${y(g) + 4} text-anchor="end" class="axis">${g * 100}%</text>`)}
        ${months.map((m, i) => {
          const x = PAD.left + i * slot + slot * 0.15;
          return svg`<g>
            ${m.rate === null ? '' : svg`<rect x=${x} y=${y(m.rate)} width=${slot * 0.7} height=${plotH * m.rate} class=${m.rate >= 0.98 ? 'bar good' : 'bar'}><title>${m.month}: ${formatRate(m.rate)}</title></rect>`}
            <text x=${x + slot * 0.35} y=${H - 6} text-anchor="middle" class="axis">${m.month.slice(5)}/${m.month.slice(2, 4)}</text>
          </g>`;
        })}
      </svg>
      <table class="visually-hidden">
        <caption>${t('trend')}</caption>
        <thead><tr><th scope="col">${t('period')}</th><th scope="col">${t('onTimeRate')}</th><th scope="col">${t('resolvedGroup')}</th></tr></thead>
        <tbody>${months.map((m) => html`<tr><th scope="row">${m.month}</th><td>${formatRate(m.rate)}</td><td>${m.resolved}</td></tr>`)}</tbody>
      </table>`;
  }
}
