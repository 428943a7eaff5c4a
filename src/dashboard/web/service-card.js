// One service: header with URL and readiness, the live traffic bar, tags, revisions with their
// latest figures, the split editor, the charts and the service's history.
import { ServiceCharts } from './charts.js';
import { age, clock, el, fmt, percentByRevision, revisionColour, shortDigest } from './format.js';
import { TrafficEditor } from './traffic-editor.js';

const HISTORY_SHOWN = 15;

function readyBadge(view) {
  const state = view.ready === 'True' ? 'ready' : view.ready === 'False' ? 'failed' : 'pending';
  const text = view.ready === 'True' ? 'Ready' : view.reason || (view.ready === 'False' ? 'Failed' : 'Pending');
  return el('span', { class: `badge ${state}`, title: view.message || text, text });
}

export class ServiceCard {
  constructor(key, applyTraffic) {
    this.key = key;
    this.header = el('div', { class: 'card-header' });
    this.bar = el('div', { class: 'traffic-bar', role: 'img' });
    this.barLegend = el('div', { class: 'traffic-legend' });
    this.tags = el('div', { class: 'tags' });
    this.revisionTable = el('table', { class: 'revisions' });
    this.historyList = el('ol', { class: 'history' });
    const editorBox = el('div', { class: 'section' }, el('h3', { text: 'Change traffic' }));
    const chartsBox = el('div', { class: 'section' }, el('h3', { text: 'Metrics (last 15 minutes)' }));
    this.root = el('section', { class: 'card service', 'data-service': key },
      this.header,
      el('div', { class: 'section' }, el('h3', { text: 'Traffic' }), this.bar, this.barLegend, this.tags),
      el('div', { class: 'section' }, el('h3', { text: 'Revisions' }), this.revisionTable),
      editorBox, chartsBox,
      el('div', { class: 'section' }, el('h3', { text: 'History' }), this.historyList));
    this.editor = new TrafficEditor(editorBox, (traffic) => applyTraffic(this.service, traffic));
    this.charts = new ServiceCharts(chartsBox);
  }

  update(service, revisions, history) {
    this.service = service;
    this.revisions = revisions;
    this.renderHeader(service);
    this.renderTraffic(service, revisions);
    this.renderHistory(history);
    this.editor.update(service, revisions);
  }

  renderHeader(s) {
    this.header.replaceChildren(
      el('div', { class: 'title-row' },
        el('h2', { text: s.name }), el('span', { class: 'namespace', text: s.namespace }), readyBadge(s)),
      el('div', { class: 'meta-row' },
        s.url ? el('a', { class: 'url', href: s.url, target: '_blank', rel: 'noreferrer', text: s.url }) : el('span', { class: 'muted', text: 'no URL yet' }),
        s.lastModifier ? el('span', { class: 'muted', text: `last modified by ${s.lastModifier}` }) : null));
  }

  renderTraffic(s, revisions) {
    const byName = new Map(revisions.map((r) => [r.name, r]));
    const split = percentByRevision(s.statusTraffic);
    const parts = [...split].filter(([, p]) => p > 0);
    this.bar.setAttribute('aria-label', parts.map(([n, p]) => `${n} ${p}%`).join(', ') || 'no traffic');
    this.bar.replaceChildren(...(parts.length ? parts.map(([name, p]) => el('div', {
      class: 'segment', 'data-revision': name, 'data-percent': p, title: `${name}: ${p}%`,
      style: `flex-basis:${p}%;background:${revisionColour(byName.get(name) ?? { name, generation: 0 })}`,
    }, el('span', { text: `${p}%` }))) : [el('div', { class: 'segment empty', text: 'no traffic assigned yet' })]));
    this.barLegend.replaceChildren(...parts.map(([name, p]) => el('span', { class: 'legend-item' },
      el('span', { class: 'swatch', style: `background:${revisionColour(byName.get(name) ?? { name, generation: 0 })}` }),
      el('span', { class: 'mono', text: name }), el('span', { class: 'muted', text: ` ${p}%` }))));
    const tagged = s.statusTraffic.filter((t) => t.tag);
    this.tags.replaceChildren(...tagged.map((t) => el('span', { class: 'tag-url' },
      el('span', { class: 'tag', text: t.tag }), el('span', { class: 'mono muted', text: ` → ${t.revisionName ?? ''} ` }),
      t.url ? el('a', { href: t.url, target: '_blank', rel: 'noreferrer', text: t.url }) : null)));

    const head = el('tr', {}, ...['Revision', 'Traffic', 'Ready', 'Instances', 'Req/s', 'p50', 'p99', 'Errors', 'Image', 'Age'].map((h) => el('th', { text: h })));
    this.revisionTable.replaceChildren(el('thead', {}, head), el('tbody', {}, ...revisions.map((r) => {
      const tags = s.statusTraffic.filter((t) => t.revisionName === r.name && t.tag).map((t) => el('span', { class: 'tag', text: t.tag }));
      const latest = r.name === s.latestReadyRevision ? el('span', { class: 'tag latest', text: 'latest' }) : null;
      return el('tr', { 'data-revision': r.name },
        el('td', {}, el('span', { class: 'swatch', style: `background:${revisionColour(r)}` }), el('span', { class: 'mono', text: r.name }), latest, ...tags),
        el('td', { 'data-field': 'traffic', text: `${split.get(r.name) ?? 0}%` }),
        el('td', {}, readyBadge(r)),
        el('td', { 'data-field': 'instances', text: r.actualReplicas ?? '–' }),
        el('td', { 'data-field': 'rps', text: '–' }),
        el('td', { 'data-field': 'p50', text: '–' }),
        el('td', { 'data-field': 'p99', text: '–' }),
        el('td', { 'data-field': 'errorRate', text: '–' }),
        el('td', { class: 'image' }, el('div', { class: 'mono', text: r.image, title: r.image }),
          r.imageDigest ? el('div', { class: 'mono muted digest', text: shortDigest(r.imageDigest), title: r.imageDigest }) : null),
        el('td', { class: 'muted', text: age(r.created), title: r.created }));
    })));
    if (this.lastSample) this.renderFigures(this.lastSample);
  }

  renderHistory(history) {
    const entries = history.slice(-HISTORY_SHOWN).reverse();
    this.historyList.replaceChildren(...(entries.length ? entries.map((h) => el('li', { class: `history-${h.kind}` },
      el('time', { datetime: h.at, title: h.at, text: clock(h.at) }), el('span', { text: h.message }))) : [el('li', { class: 'muted', text: 'nothing yet' })]));
  }

  /** The latest one-second figures of each revision, in the table. */
  renderFigures(samples) {
    this.lastSample = samples;
    for (const row of this.revisionTable.querySelectorAll('tr[data-revision]')) {
      const s = samples[`${this.service.namespace}/${row.dataset.revision}`];
      if (!s) continue;
      const set = (field, text) => { const td = row.querySelector(`[data-field="${field}"]`); if (td) td.textContent = text; };
      set('rps', fmt(s.rps, 1));
      set('p50', fmt(s.p50, 1, ' ms'));
      set('p99', fmt(s.p99, 1, ' ms'));
      set('errorRate', s.errorRate === null ? '–' : fmt(s.errorRate * 100, 1, ' %'));
      set('instances', s.instances ?? '–');
    }
  }

  updateCharts(times, series) {
    this.charts.update(times, series, [...(this.revisions ?? [])].reverse());
  }

  destroy() {
    this.charts.destroy();
    this.root.remove();
  }
}
