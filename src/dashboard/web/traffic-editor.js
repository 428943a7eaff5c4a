// Editing a service's traffic split: a slider and a number per target. With "keep total at 100 %"
// on, moving one target moves the last other one the opposite way; off, any numbers can be sent
// and the API's own validation message is shown. Applying sends spec.traffic through the API.
import { el, revisionColour } from './format.js';

const targetId = (t) => `${t.revisionName ?? (t.latestRevision ? '@latest' : t.configurationName ?? '?')}${t.tag ? `#${t.tag}` : ''}`;

export class TrafficEditor {
  constructor(container, apply) {
    this.apply = apply;
    this.draft = [];
    this.dirty = false;
    this.keepTotal = true;
    this.rows = el('div', { class: 'editor-rows' });
    this.total = el('span', { class: 'editor-total' });
    this.addSelect = el('select', { class: 'editor-add', 'aria-label': 'Add a revision to the split', onchange: () => this.addTarget() });
    this.error = el('div', { class: 'editor-error', role: 'alert', hidden: true });
    this.saved = el('span', { class: 'editor-saved', hidden: true, text: 'Applied' });
    this.applyButton = el('button', { class: 'button primary', type: 'button', text: 'Apply', onclick: () => this.submit() });
    this.resetButton = el('button', { class: 'button', type: 'button', text: 'Reset', onclick: () => { this.dirty = false; this.hideError(); this.reset(); } });
    const keep = el('input', { type: 'checkbox', class: 'editor-keep', checked: true, onchange: (e) => { this.keepTotal = e.target.checked; } });
    this.root = el('div', { class: 'editor' },
      this.rows,
      el('div', { class: 'editor-footer' },
        el('label', { class: 'editor-keep-label' }, keep, ' Keep total at 100 %'),
        this.total, el('span', { class: 'spacer' }), this.addSelect, this.saved, this.resetButton, this.applyButton),
      this.error);
    container.append(this.root);
  }

  /** New data from the server; the user's unsaved edits win over it. */
  update(service, revisions) {
    this.service = service;
    this.revisions = revisions;
    if (!this.dirty) this.reset();
    else this.renderAddOptions();
  }

  reset() {
    this.draft = (this.service?.specTraffic ?? []).map(({ url, ...t }) => ({ ...t, percent: t.percent ?? 0 }));
    this.renderRows();
  }

  colourOf(t) {
    const name = t.revisionName ?? (t.latestRevision ? this.service?.latestReadyRevision || this.service?.latestCreatedRevision : undefined);
    return revisionColour(this.revisions?.find((r) => r.name === name) ?? { name: name ?? '', generation: 0 });
  }

  renderRows() {
    this.rows.replaceChildren(...this.draft.map((t, i) => {
      const latestName = t.latestRevision ? this.service?.latestReadyRevision : '';
      const range = el('input', { type: 'range', min: 0, max: 100, step: 1, value: t.percent, class: 'editor-range', 'aria-label': `Percent for ${targetId(t)}`,
        oninput: (e) => this.change(i, e.target.value, e.target) });
      const number = el('input', { type: 'number', min: 0, max: 100, step: 1, value: t.percent, class: 'editor-number', 'aria-label': `Percent number for ${targetId(t)}`,
        oninput: (e) => this.change(i, e.target.value, e.target) });
      const remove = el('button', { class: 'icon-button', type: 'button', title: 'Remove from the split', 'aria-label': `Remove ${targetId(t)}`, text: '×',
        onclick: () => { this.draft.splice(i, 1); this.dirty = true; this.renderRows(); } });
      return el('div', { class: 'editor-row', 'data-target': targetId(t) },
        el('span', { class: 'swatch', style: `background:${this.colourOf(t)}` }),
        el('span', { class: 'editor-label' },
          el('span', { class: 'mono', text: t.revisionName ?? (t.latestRevision ? '@latest' : t.configurationName ?? '') }),
          latestName ? el('span', { class: 'muted', text: ` (${latestName})` }) : null,
          t.tag ? el('span', { class: 'tag', text: t.tag }) : null),
        range, number, el('span', { class: 'muted', text: '%' }), remove);
    }));
    this.syncValues();
    this.renderAddOptions();
  }

  renderAddOptions() {
    const used = new Set(this.draft.map((t) => t.revisionName).filter(Boolean));
    const options = (this.revisions ?? []).filter((r) => !used.has(r.name));
    this.addSelect.replaceChildren(el('option', { value: '', text: 'Add revision…' }), ...options.map((r) => el('option', { value: r.name, text: r.name })));
    this.addSelect.hidden = options.length === 0;
  }

  addTarget() {
    const name = this.addSelect.value;
    if (!name) return;
    this.draft.push({ revisionName: name, percent: 0 });
    this.dirty = true;
    this.renderRows();
  }

  change(i, raw, source) {
    const v = Math.max(0, Math.min(100, Math.round(Number(raw) || 0)));
    this.draft[i].percent = v;
    if (this.keepTotal && this.draft.length > 1) {
      const balance = i === this.draft.length - 1 ? this.draft.length - 2 : this.draft.length - 1;
      const others = this.draft.reduce((s, t, j) => (j === i || j === balance ? s : s + t.percent), 0);
      this.draft[balance].percent = Math.max(0, 100 - v - others);
      if (v + others > 100) this.draft[i].percent = 100 - others;
    }
    this.dirty = true;
    this.hideError();
    this.syncValues(source);
  }

  syncValues(source) {
    [...this.rows.children].forEach((row, i) => {
      for (const input of row.querySelectorAll('input')) if (input !== source) input.value = String(this.draft[i]?.percent ?? 0);
    });
    const sum = this.draft.reduce((s, t) => s + (t.percent ?? 0), 0);
    this.total.textContent = `Total ${sum} %`;
    this.total.classList.toggle('bad', sum !== 100);
  }

  hideError() {
    this.error.hidden = true;
    this.error.textContent = '';
  }

  async submit() {
    this.hideError();
    this.saved.hidden = true;
    this.applyButton.disabled = true;
    try {
      const result = await this.apply(this.draft.map((t) => ({ ...t })));
      if (result.ok) {
        this.dirty = false;
        if (result.service) this.service = result.service;
        this.saved.hidden = false;
        clearTimeout(this.savedTimer);
        this.savedTimer = setTimeout(() => { this.saved.hidden = true; }, 2000);
        this.reset();
      } else {
        this.error.textContent = result.message;
        this.error.hidden = false;
      }
    } finally {
      this.applyButton.disabled = false;
    }
  }
}
