/**
 * Overdue dossiers of the chosen unit (received there or below) with the unit that holds each
 * now: GET /dossiers?unitId=&overdue=true, a page at a time. A row opens the dossier's history.
 */
import { html } from 'lit-html';
import { formatInstant, t } from '../i18n.js';
import type { DossierSummary, View } from '../types.js';
import { LoadingPanel, unitName } from './panel.js';

interface Page {
  items: DossierSummary[];
  nextCursor: string | null;
}

const PAGE = 20;

export class LatePanel extends LoadingPanel<Page> {
  constructor() {
    super('late');
  }

  protected title(): string {
    return t('lateList');
  }

  protected load(view: View, signal: AbortSignal): Promise<Page> {
    return view.api.get<Page>('/dossiers', { unitId: view.unit.unitId, overdue: 'true', limit: String(PAGE) }, signal);
  }

  private more(view: View, page: Page): void {
    if (!page.nextCursor) return;
    view.api
      .get<Page>('/dossiers', { unitId: view.unit.unitId, overdue: 'true', limit: String(PAGE), cursor: page.nextCursor }, this.signal)
      .then((next) => this.update({ items: [...page.items, ...next.items], nextCursor: next.nextCursor }), (e: unknown) => this.fail(e));
  }

  protected body(view: View, page: Page) {
    if (page.items.length === 0) return html`<p class="muted">${t('noData')}</p>`;
    return html`<div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">${t('dossier')}</th>
              <th scope="col">${t('procedure')}</th>
              <th scope="col">${t('receivedBy')}</th>
              <th scope="col">${t('responsible')}</th>
              <th scope="col">${t('dueAt')}</th>
            </tr>
          </thead>
          <tbody>
            ${page.items.map(
              (d) => html`<tr>
                <th scope="row"><button type="button" class="link" @click=${() => view.openDossier(d.dossierId)}>${d.dossierId}</button></th>
                <td>${d.procedureCode}</td>
                <td>${unitName(view, d.unitId)}</td>
                <td>${unitName(view, d.currentUnitId)}</td>
                <td>${formatInstant(d.appointmentAt ?? d.dueAt)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${page.nextCursor ? html`<button type="button" @click=${() => this.more(view, page)}>${t('more')}</button>` : ''}`;
  }
}
