// Accessible tabs (WAI-ARIA tabs pattern): arrow keys, Home and End move between tabs, the selected tab is
// the only one in the tab order, and each panel is labelled by its tab.
import { el, uid } from './dom.ts';

export interface TabSpec {
  id: string;
  title: string;
  panel: HTMLElement;
}

export class Tabs {
  readonly element: HTMLElement;
  private buttons = new Map<string, HTMLButtonElement>();
  private panels = new Map<string, HTMLElement>();
  private listeners: ((id: string) => void)[] = [];

  constructor(specs: TabSpec[]) {
    const list = el('div', { class: 'tablist', attrs: { role: 'tablist', 'aria-label': 'Panels' } });
    const panels: HTMLElement[] = [];
    for (const spec of specs) {
      const tabId = uid('tab');
      const panelId = `panel-${spec.id}`;
      const tab = el('button', {
        class: 'tab', text: spec.title,
        attrs: { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'aria-selected': 'false', tabindex: -1, 'data-tab': spec.id },
        on: { click: () => this.select(spec.id), keydown: (e) => this.onKey(e, spec.id) },
      });
      const panel = el('section', { class: 'tabpanel', attrs: { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, hidden: true, tabindex: 0 } }, [spec.panel]);
      this.buttons.set(spec.id, tab);
      this.panels.set(spec.id, panel);
      list.append(tab);
      panels.push(panel);
    }
    this.element = el('div', { class: 'tabs' }, [list, ...panels]);
    this.select(specs[0].id);
  }

  /** Called with the tab id each time a tab is shown. */
  onSelect(fn: (id: string) => void): void {
    this.listeners.push(fn);
  }

  select(id: string, focus = false): void {
    for (const [key, tab] of this.buttons) {
      const on = key === id;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      this.panels.get(key)!.hidden = !on;
      if (on && focus) tab.focus();
    }
    for (const fn of this.listeners) fn(id);
  }

  /** Marks a tab whose panel cannot run on the current model (it stays selectable and says why). */
  setAvailable(id: string, available: boolean, why = ''): void {
    const tab = this.buttons.get(id)!;
    tab.classList.toggle('unavailable', !available);
    tab.title = available ? '' : why;
  }

  private onKey(e: KeyboardEvent, id: string): void {
    const ids = [...this.buttons.keys()];
    const i = ids.indexOf(id);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: ids.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    this.select(ids[(next + ids.length) % ids.length], true);
  }
}
