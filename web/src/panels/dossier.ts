/**
 * One dossier, in a modal dialog: for auditor keys its full history (GET /dossiers/{id}/events)
 * as a timeline with the instant each thing happened beside the instant it was recorded; for
 * other keys its current state (GET /dossiers/{id}), since the history is the auditors'.
 */
import { html, render } from 'lit-html';
import { formatInstant, t } from '../i18n.js';
import type { Api } from '../api.js';
import type { DossierEvent, Me, Unit } from '../types.js';

type Loaded = { kind: 'events'; events: DossierEvent[] } | { kind: 'state'; state: Record<string, unknown> };

export class DossierDialog {
  readonly element: HTMLDialogElement;
  private dossierId = '';
  private loaded: Loaded | undefined;
  private error: string | undefined;

  constructor(
    private readonly api: Api,
    private readonly me: Me,
    private readonly unitsById: ReadonlyMap<string, Unit>,
  ) {
    this.element = document.createElement('dialog');
    this.element.className = 'dossier-dialog';
    this.element.setAttribute('aria-labelledby', 'dossier-title');
  }

  open(dossierId: string): void {
    this.dossierId = dossierId;
    this.loaded = undefined;
    this.error = undefined;
    this.redraw();
    if (!this.element.open) this.element.showModal();
    const id = encodeURIComponent(dossierId);
    const load: Promise<Loaded> =
      this.me.role === 'auditor' || this.me.role === 'admin'
        ? this.api.get<DossierEvent[]>(`/dossiers/${id}/events`).then((events) => ({ kind: 'events', events }))
        : this.api.get<Record<string, unknown>>(`/dossiers/${id}`).then((state) => ({ kind: 'state', state }));
    load.then(
      (loaded) => {
        if (this.dossierId !== dossierId) return;
        this.loaded = loaded;
        this.redraw();
      },
      (e: unknown) => {
        this.error = e instanceof Error ? e.message : String(e);
        this.redraw();
      },
    );
  }

  redraw(): void {
    const unit = (id: unknown) => (typeof id === 'string' ? (this.unitsById.get(id)?.name ?? id) : '');
    // Units by name and instants in Vietnam time; the rest as stored.
    const value = (k: string, v: unknown): string =>
      k === 'unitId' || k.endsWith('UnitId') ? unit(v) : k.endsWith('At') && typeof v === 'string' ? formatInstant(v) : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const body = (): unknown => {
      if (this.error) return html`<p class="error" role="alert">${t('error')}: ${this.error}</p>`;
      if (!this.loaded) return html`<p class="muted">${t('loading')}</p>`;
      if (this.loaded.kind === 'events')
        return html`<ol class="timeline">
          ${this.loaded.events.map(
            (e) => html`<li>
              <strong>${e.type}</strong>
              <dl class="instants">
                <div><dt>${t('occurredAt')}</dt><dd><time datetime=${e.metadata.occurredAt}>${formatInstant(e.metadata.occurredAt)}</time></dd></div>
                <div><dt>${t('recordedAt')}</dt><dd><time datetime=${e.metadata.recordedAt}>${formatInstant(e.metadata.recordedAt)}</time></dd></div>
                <div><dt>${t('actor')}</dt><dd>${e.metadata.actor}</dd></div>
              </dl>
              <p class="small">${Object.entries(e.data)
                .filter(([k]) => k !== 'dossierId')
                .map(([k, v]) => `${k}: ${value(k, v)}`)
                .join(' · ')}</p>
            </li>`,
          )}
        </ol>`;
      const s = this.loaded.state;
      const row = (label: string, value: unknown) => html`<div><dt>${label}</dt><dd>${value ?? '-'}</dd></div>`;
      return html`<p class="muted small">${t('historyForAuditors')}</p>
        <dl class="state">
          ${row(t('status'), s.status)} ${row(t('procedure'), s.procedureCode)} ${row(t('receivedBy'), unit(s.unitId))}
          ${row(t('responsible'), unit(s.currentUnitId))} ${row(t('receivedAt'), formatInstant(s.receivedAt as string))}
          ${row(t('dueAt'), formatInstant((s.appointmentAt ?? s.dueAt) as string))} ${row(t('overdue'), s.overdue ? t('yes') : t('no'))}
        </dl>`;
    };
    render(
      html`<header class="panel-head">
          <h2 id="dossier-title">${this.loaded?.kind === 'state' ? t('currentState') : t('history')}: ${this.dossierId}</h2>
          <button type="button" @click=${() => this.element.close()}>${t('close')}</button>
        </header>
        ${body()}`,
      this.element,
    );
  }
}
