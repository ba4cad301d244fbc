/**
 * What needs attention in the chosen unit now (GET /units/{id}/attention/counts and
 * /attention?kind=): how many dossiers are on each review list, and the chosen list a page at a
 * time, each with why (read in Vietnamese), the unit holding it and its due; a dossier opens to
 * its history. The lists are drawn at now, whatever the period.
 */
import { html } from 'lit-html';
import { currentLang, formatInstant, formatNumber, t } from '../i18n.js';
import { ATTENTION_KINDS, type AttentionCounts, type AttentionKind, type AttentionList, type View } from '../types.js';
import { whyInVietnamese } from '../why.js';
import { LoadingPanel, unitName } from './panel.js';

interface Loaded {
  counts: AttentionCounts;
  list: AttentionList;
}

const PAGE = 10;

export class AttentionPanel extends LoadingPanel<Loaded> {
  private kind: AttentionKind = 'overdue';

  constructor() {
    super('attention');
  }

  protected title(): string {
    return t('attention');
  }

  private path(view: View, suffix = ''): string {
    return `/units/${encodeURIComponent(view.unit.unitId)}/attention${suffix}`;
  }

  protected async load(view: View, signal: AbortSignal): Promise<Loaded> {
    const [counts, list] = await Promise.all([
      view.api.get<AttentionCounts>(this.path(view, '/counts'), {}, signal),
      view.api.get<AttentionList>(this.path(view), { kind: this.kind, limit: String(PAGE) }, signal),
    ]);
    return { counts, list };
  }

  private choose(view: View, kind: AttentionKind): void {
    if (kind === this.kind) return;
    this.kind = kind;
    void this.show(view);
  }

  private more(view: View, loaded: Loaded): void {
    const { list } = loaded;
    if (!list.nextCursor) return;
    view.api
      .get<AttentionList>(this.path(view), { kind: list.kind, limit: String(PAGE), cursor: list.nextCursor }, this.signal)
      .then((next) => this.update({ ...loaded, list: { ...next, items: [...list.items, ...next.items] } }), (e: unknown) => this.fail(e));
  }

  protected body(view: View, loaded: Loaded) {
    const { counts, list } = loaded;
    const why = (text: string) => (currentLang() === 'vi' ? whyInVietnamese(text) : text);
    return html`<p class="muted small">${t('attentionHint')}</p>
      <div class="kinds" role="group" aria-label=${t('attentionLists')}>
        ${ATTENTION_KINDS.map(
          (k) => html`<button type="button" class="kind" data-kind=${k} aria-pressed=${this.kind === k ? 'true' : 'false'} @click=${() => this.choose(view, k)}>
            ${t(`kind_${k}`)} <span class="count" data-count=${counts.counts[k]}>${formatNumber(counts.counts[k])}</span>
          </button>`,
        )}
      </div>
      ${list.kind !== this.kind
        ? html`<p class="muted">${t('loading')}</p>`
        : list.items.length === 0
          ? html`<p class="muted">${t('noData')}</p>`
          : html`<div class="table-wrap">
                <table class="attention-table" data-kind=${list.kind}>
                  <caption class="visually-hidden">${t('attention')}: ${t(`kind_${list.kind}`)}</caption>
                  <thead>
                    <tr>
                      <th scope="col">${t('dossier')}</th>
                      <th scope="col">${t('why')}</th>
                      <th scope="col">${t('responsible')}</th>
                      <th scope="col">${t('dueAt')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${list.items.map(
                      (d) => html`<tr data-dossier=${d.dossierId}>
                        <th scope="row"><button type="button" class="link" @click=${() => view.openDossier(d.dossierId)}>${d.dossierId}</button></th>
                        <td class="why" title=${d.why}>${why(d.why)}</td>
                        <td data-unit=${d.currentUnitId}>${unitName(view, d.currentUnitId)}</td>
                        <td><time datetime=${d.dueAt}>${formatInstant(d.dueAt)}</time></td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
              ${list.nextCursor ? html`<button type="button" class="more" @click=${() => this.more(view, loaded)}>${t('more')}</button>` : ''}`}
      <p class="muted small">${formatInstant(counts.evaluatedAt)}</p>`;
  }
}
