/** Step timeliness of every unit that handled steps of the chosen unit's dossiers (GET /units/{id}/steps). */
import { html } from 'lit-html';
import { formatNumber, t } from '../i18n.js';
import type { StepRow, View } from '../types.js';
import { LoadingPanel, unitName } from './panel.js';

export class StepsPanel extends LoadingPanel<StepRow[]> {
  constructor() {
    super('steps');
  }

  protected title(): string {
    return t('steps');
  }

  protected async load(view: View, signal: AbortSignal): Promise<StepRow[]> {
    const report = await view.api.get<{ rows: StepRow[] }>(`/units/${encodeURIComponent(view.unit.unitId)}/steps`, { from: view.period.from, to: view.period.to }, signal);
    return report.rows;
  }

  protected body(view: View, rows: StepRow[]) {
    if (rows.length === 0) return html`<p class="muted">${t('noData')}</p>`;
    const n = (v: number) => html`<td class="num">${formatNumber(v)}</td>`;
    return html`<div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col" rowspan="2">${t('unit')}</th>
            <th scope="colgroup" colspan="4">${t('endedSteps')}</th>
            <th scope="colgroup" colspan="3">${t('openSteps')}</th>
            <th scope="col" rowspan="2">${t('responsibleForLate')}</th>
          </tr>
          <tr>
            <th scope="col">${t('total')}</th>
            <th scope="col">${t('withAllotment')}</th>
            <th scope="col">${t('onTime')}</th>
            <th scope="col">${t('late')}</th>
            <th scope="col">${t('total')}</th>
            <th scope="col">${t('withAllotment')}</th>
            <th scope="col">${t('overrunning')}</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) => html`<tr>
              <th scope="row">${unitName(view, r.unitId)}</th>
              ${n(r.ended.total)}${n(r.ended.withAllotment)}${n(r.ended.onTime)}${n(r.ended.late)}
              ${n(r.open.total)}${n(r.open.withAllotment)}${n(r.open.overrunning)}${n(r.responsibleForLate)}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }
}
