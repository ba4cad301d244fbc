/**
 * What needs attention in the chosen unit now (GET /units/{id}/attention/counts and
 * /attention?kind=): how many dossiers are on each review list, and the chosen list a page at a
 * time, each with why (read in Vietnamese), the unit holding it and its due; a dossier opens to
 * its history. The lists are drawn at now, whatever the period. The main table's counts open it on
 * one of its rows' units (openFor) until the view changes.
 */
import { html } from 'lit-html';
import { currentLang, formatInstant, formatNumber, t } from '../i18n.js';
import { ATTENTION_KINDS, type AttentionCounts, type AttentionKind, type AttentionList, type AttentionScope, type View } from '../types.js';
import { whyInVietnamese } from '../why.js';
import { LoadingPanel, unitName } from './panel.js';

interface Loaded {
  counts: AttentionCounts;
  list: AttentionList;
}

const PAGE = 10;

export class AttentionPanel extends LoadingPanel<Loaded> {
  private kind: AttentionKind = 'overdue';
  /** A unit other than the chosen one (a row of the main table); undefined: the chosen unit's subtree. */
  private target: { unitId: string; scope: AttentionScope } | undefined;

  constructor() {
    super('attention');
  }

  protected title(): string {
    return t('attention');
  }

  show(view: View): Promise<void> {
    if (view !== this.view) this.target = undefined;
    return super.show(view);
  }

  /** Shows `kind` for `unitId` (a row of the main table), and brings the panel into sight. */
  openFor(view: View, unitId: string, scope: AttentionScope, kind: AttentionKind): void {
    this.target = unitId === view.unit.unitId && scope === 'subtree' ? undefined : { unitId, scope };
    this.kind = kind;
    void super.show(view);
    this.element.tabIndex = -1;
    this.element.focus();
  }

  private path(view: View, suffix = ''): string {
    return `/units/${encodeURIComponent(this.target?.unitId ?? view.unit.unitId)}/attention${suffix}`;
  }

  private get scope(): AttentionScope | undefined {
    return this.target?.scope;
  }

  protected async load(view: View, signal: AbortSignal): Promise<Loaded> {
    const [counts, list] = await Promise.all([
      view.api.get<AttentionCounts>(this.path(view, '/counts'), { scope: this.scope }, signal),
      view.api.get<AttentionList>(this.path(view), { kind: this.kind, scope: this.scope, limit: String(PAGE) }, signal),
    ]);
    return { counts, list };
  }

  private choose(view: View, kind: AttentionKind): void {
    if (kind === this.kind) return;
    this.kind = kind;
    void this.show(view);
  }

  private back(view: View): void {
    this.target = undefined;
    void super.show(view);
  }

  private more(view: View, loaded: Loaded): void {
    const { list } = loaded;
    if (!list.nextCursor) return;
    view.api
      .get<AttentionList>(this.path(view), { kind: list.kind, scope: this.scope, limit: String(PAGE), cursor: list.nextCursor }, this.signal)
      .then((next) => this.update({ ...loaded, list: { ...next, items: [...list.items, ...next.items] } }), (e: unknown) => this.fail(e));
  }

  protected body(view: View, loaded: Loaded) {
    const { counts, list } = loaded;
    const why = (text: string) => (currentLang() === 'vi' ? whyInVietnamese(text) : text);
    const target = this.target;
    return html`<p class="muted small">${t('attentionHint')}</p>
      ${target
        ? html`<p class="attention-of" data-unit=${target.unitId} data-scope=${target.scope}>
            ${t('attentionOf')}: <strong>${unitName(view, target.unitId)}</strong>${target.scope === 'self' ? ` (${t('attentionOwnOnly')})` : ''}
            <button type="button" class="back" @click=${() => this.back(view)}>${t('attentionBack')}</button>
          </p>`
        : ''}
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
