/**
 * The supervisors' dashboard: sign-in, the unit tree of the key's scope, the period (and for
 * auditors the "as of") picker, and the panels, each one module under panels/.
 */
import { html, render } from 'lit-html';
import { Api, ApiError } from './api.js';
import { currentLang, setLang, t } from './i18n.js';
import { fromLocalInput, localDate, PERIOD_KINDS, type PeriodKind, periodOf, toLocalInput } from './period.js';
import { AttentionPanel } from './panels/attention.js';
import { DossierDialog } from './panels/dossier.js';
import { EntryLagPanel } from './panels/entry-lag.js';
import { LatePanel } from './panels/late.js';
import { ScorecardPanel } from './panels/scorecard.js';
import { StepsPanel } from './panels/steps.js';
import { TimelinessPanel } from './panels/timeliness.js';
import { TrendPanel } from './panels/trend.js';
import type { Me, Panel, Unit, View } from './types.js';
import { reachableUnits, treeRoots, childrenOf } from './units.js';

const KEY = 'dashboard.key';
const root = document.getElementById('app')!;
// lit-html renders after what is there: the static "loading" text goes first.
root.textContent = '';

interface Session {
  api: Api;
  me: Me;
  units: Unit[];
  unitsById: Map<string, Unit>;
  unit: Unit;
  kind: PeriodKind;
  custom: { first: string; last: string };
  asOf?: string;
  panels: Panel[];
  attention: AttentionPanel;
  dialog: DossierDialog;
}

let session: Session | undefined;
let notice = '';

function signOut(message = ''): void {
  sessionStorage.removeItem(KEY);
  if (session) {
    for (const p of session.panels) p.dispose();
    session.dialog.element.remove();
  }
  session = undefined;
  notice = message;
  drawSignIn();
}

async function signIn(key: string): Promise<void> {
  let unauthorized = false;
  const api = new Api(key, () => {
    unauthorized = true;
    if (session) signOut(t('signedOut'));
  });
  try {
    const [me, list] = await Promise.all([api.get<Me>('/me'), api.get<{ units: Unit[] }>('/units')]);
    sessionStorage.setItem(KEY, key);
    const units = reachableUnits(list.units, me.units);
    const unitsById = new Map(units.map((u) => [u.unitId, u]));
    const attention = new AttentionPanel();
    const today = localDate(Date.now());
    session = {
      api,
      me,
      units,
      unitsById,
      unit: treeRoots(units)[0]!,
      kind: 'month',
      custom: { first: `${today.slice(0, 7)}-01`, last: today },
      panels: [new TimelinessPanel(), attention, new ScorecardPanel(), new TrendPanel(), new LatePanel(), new StepsPanel(), new EntryLagPanel()],
      attention,
      dialog: new DossierDialog(api, me, unitsById),
    };
    notice = '';
    drawShell();
    showPanels();
  } catch (error) {
    sessionStorage.removeItem(KEY);
    notice = unauthorized || (error instanceof ApiError && error.status === 401) ? t('badKey') : `${t('error')}: ${(error as Error).message}`;
    drawSignIn();
  }
}

function drawSignIn(): void {
  render(
    html`<main class="sign-in">
      <h1>${t('title')}</h1>
      <form
        @submit=${(e: Event) => {
          e.preventDefault();
          const input = (e.target as HTMLFormElement).elements.namedItem('key') as HTMLInputElement;
          if (input.value.trim() !== '') void signIn(input.value.trim());
        }}
      >
        <label for="key">${t('keyLabel')}</label>
        <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required aria-describedby="key-hint" />
        <p id="key-hint" class="muted small">${t('keyHint')}</p>
        ${notice ? html`<p class="error" role="alert">${notice}</p>` : ''}
        <button type="submit">${t('signIn')}</button>
      </form>
      ${languageButton(drawSignIn)}
    </main>`,
    root,
  );
  (document.getElementById('key') as HTMLInputElement | null)?.focus();
}

function languageButton(redraw: () => void) {
  return html`<button
    type="button"
    class="lang"
    lang=${currentLang() === 'vi' ? 'en' : 'vi'}
    aria-label=${t('languageLabel')}
    @click=${() => {
      setLang(currentLang() === 'vi' ? 'en' : 'vi');
      redraw();
    }}
  >
    ${t('language')}
  </button>`;
}

function view(s: Session): View {
  const v: View = {
    api: s.api,
    me: s.me,
    unit: s.unit,
    unitsById: s.unitsById,
    period: periodOf(s.kind, Date.now(), s.custom),
    asOf: s.asOf,
    openDossier: (id) => s.dialog.open(id),
    openAttention: (unitId, scope, kind) => s.attention.openFor(v, unitId, scope, kind),
  };
  return v;
}

/** Shown views are numbered, so that a late start of the secondary panels never shows an older one. */
let shown = 0;
/** How long the secondary panels wait at most for the main table. */
const MAIN_FIRST_MS = 1500;

function showPanels(): void {
  const s = session;
  if (!s) return;
  const v = view(s);
  const generation = ++shown;
  const [main, ...rest] = s.panels;
  // The main table first: the other panels' queries (twelve for the chart) start once it is drawn,
  // so that they do not queue ahead of it in the browser or the service.
  const first = main!.show(v);
  // When the first view's table is drawn, for whoever measures the page (the browser tests do).
  if (generation === 1) void first.then(() => performance.mark('dashboard-main-view'));
  void Promise.race([first, new Promise((r) => setTimeout(r, MAIN_FIRST_MS))]).then(() => {
    if (session === s && shown === generation) for (const p of rest) void p.show(v);
  });
}

function redrawAll(): void {
  if (!session) return;
  drawShell();
  for (const p of session.panels) p.redraw();
  session.dialog.redraw();
}

function selectUnit(unit: Unit): void {
  if (!session) return;
  session.unit = unit;
  drawShell();
  showPanels();
}

function unitTree(s: Session, units: Unit[]): unknown {
  return html`<ul>
    ${units.map((u) => {
      const children = childrenOf(s.units, u.unitId);
      return html`<li>
        <button type="button" class="unit" data-unit=${u.unitId} aria-current=${s.unit.unitId === u.unitId ? 'true' : 'false'} @click=${() => selectUnit(u)}>
          ${u.name}
        </button>
        ${children.length > 0 ? unitTree(s, children) : ''}
      </li>`;
    })}
  </ul>`;
}

function drawShell(): void {
  const s = session;
  if (!s) return;
  const auditor = s.me.role === 'auditor' || s.me.role === 'admin';
  render(
    html`<a class="skip" href="#content">${t('skipToContent')}</a>
      <header class="top">
        <h1>${t('title')}</h1>
        <span class="who">${s.me.name} · ${t('role')}: ${s.me.role}</span>
        ${languageButton(redrawAll)}
        <button type="button" class="sign-out" @click=${() => signOut()}>${t('signOut')}</button>
      </header>
      <div class="layout">
        <nav class="tree" aria-label=${t('unitTree')}>
          <h2 class="visually-hidden">${t('unitTree')}</h2>
          ${unitTree(s, treeRoots(s.units))}
        </nav>
        <main class="content" id="content" tabindex="-1">
          <form
            class="filters"
            aria-label=${t('period')}
            @submit=${(e: Event) => {
              e.preventDefault();
              const f = e.target as HTMLFormElement;
              const value = (name: string) => (f.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';
              s.kind = value('period') as PeriodKind;
              if (s.kind === 'custom') s.custom = { first: value('first') || s.custom.first, last: value('last') || s.custom.last };
              const asOf = value('asOf');
              s.asOf = auditor ? fromLocalInput(asOf) : undefined;
              drawShell();
              showPanels();
            }}
          >
            <label for="period">${t('period')}</label>
            <select
              id="period"
              name="period"
              @change=${(e: Event) => {
                s.kind = (e.target as HTMLSelectElement).value as PeriodKind;
                drawShell();
                if (s.kind !== 'custom') showPanels();
              }}
            >
              ${PERIOD_KINDS.map((k) => html`<option value=${k} ?selected=${s.kind === k}>${t(k)}</option>`)}
            </select>
            ${s.kind === 'custom'
              ? html`<label for="first">${t('fromDate')}</label><input id="first" name="first" type="date" .value=${s.custom.first} required />
                  <label for="last">${t('toDate')}</label><input id="last" name="last" type="date" .value=${s.custom.last} required />`
              : ''}
            ${auditor
              ? html`<label for="asOf">${t('asOf')}</label>
                  <input id="asOf" name="asOf" type="datetime-local" .value=${s.asOf ? toLocalInput(s.asOf) : ''} />`
              : ''}
            <button type="submit">${t('apply')}</button>
          </form>
          <div class="panels"></div>
        </main>
      </div>`,
    root,
  );
  const holder = root.querySelector('.panels')!;
  for (const p of s.panels) if (p.element.parentElement !== holder) holder.append(p.element);
  if (s.dialog.element.parentElement !== document.body) document.body.append(s.dialog.element);
}

document.documentElement.lang = currentLang();
const saved = sessionStorage.getItem(KEY);
if (saved) void signIn(saved);
else drawSignIn();
