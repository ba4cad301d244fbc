/**
 * What the panels share: a titled section, a load per view (the previous one aborted), and the
 * loading and error states, so that each panel module is only its query and its template.
 */
import { html, render, type TemplateResult } from 'lit-html';
import { ApiError } from '../api.js';
import { t } from '../i18n.js';
import type { Panel, View } from '../types.js';

/** Bounds on waiting as the service's Retry-After asks, in seconds. */
const RETRY_MIN_S = 1;
const RETRY_MAX_S = 30;

export abstract class LoadingPanel<T> implements Panel {
  readonly element: HTMLElement;
  protected view: View | undefined;
  protected data: T | undefined;
  private error: string | undefined;
  /** Set while waiting to ask again, as the service said (503 while a read model is built, 429). */
  private retrying = false;
  private loading = false;
  private controller: AbortController | undefined;

  constructor(readonly id: string) {
    this.element = document.createElement('section');
    this.element.className = `panel panel-${id}`;
    this.element.setAttribute('aria-labelledby', `${id}-title`);
  }

  protected abstract title(): string;
  protected abstract load(view: View, signal: AbortSignal): Promise<T>;
  protected abstract body(view: View, data: T): TemplateResult;
  /** Buttons and the like beside the title. */
  protected tools(_view: View): TemplateResult | string {
    return '';
  }

  show(view: View): Promise<void> {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    this.view = view;
    this.loading = true;
    this.error = undefined;
    this.redraw();
    return this.load(view, controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        this.data = data;
        this.loading = false;
        this.retrying = false;
        this.redraw();
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        this.loading = false;
        if (error instanceof ApiError && (error.status === 503 || error.status === 429) && error.retryAfter !== undefined) {
          // Not a failure the user can act on: say so, and ask again unless the view changed meanwhile.
          this.retrying = true;
          this.redraw();
          const seconds = Math.min(RETRY_MAX_S, Math.max(RETRY_MIN_S, error.retryAfter));
          setTimeout(() => {
            if (this.controller === controller && !controller.signal.aborted) void this.show(view);
          }, seconds * 1000);
          return;
        }
        this.retrying = false;
        this.fail(error);
      },
    );
  }

  /** Replaces the data (a live frame) and draws. */
  protected update(data: T): void {
    this.data = data;
    this.loading = false;
    this.error = undefined;
    this.redraw();
  }

  protected fail(error: unknown): void {
    this.error = error instanceof Error ? error.message : String(error);
    this.redraw();
  }

  protected get signal(): AbortSignal | undefined {
    return this.controller?.signal;
  }

  redraw(): void {
    const view = this.view;
    if (!view) return;
    render(
      html`<header class="panel-head">
          <h2 id="${this.id}-title">${this.title()}</h2>
          ${this.tools(view)}
        </header>
        ${this.error ? html`<p class="error" role="alert">${t('error')}: ${this.error}</p>` : ''}
        ${this.retrying ? html`<p class="muted retrying" role="status">${t('retrying')}</p>` : ''}
        ${this.data !== undefined ? this.body(view, this.data) : this.loading ? html`<p class="muted">${t('loading')}</p>` : ''}`,
      this.element,
    );
    // Still busy while waiting to ask again: what is shown is not yet the answer asked for.
    this.element.setAttribute('aria-busy', String(this.loading || this.retrying));
  }

  dispose(): void {
    this.controller?.abort();
    this.element.remove();
  }
}

/** The unit's name, or its id when the key cannot see it. */
export function unitName(view: View, unitId: string): string {
  return view.unitsById.get(unitId)?.name ?? unitId;
}
