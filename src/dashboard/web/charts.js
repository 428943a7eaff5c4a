// The four live charts of a service, one line per revision in the revision's colour.
import uPlot from '/vendor/uPlot.esm.js';
import { el, revisionColour } from './format.js';

const CHARTS = [
  { id: 'rps', title: 'Request rate', unit: 'req/s', lines: [{ field: 'rps' }] },
  { id: 'latency', title: 'Latency p99 / p50', unit: 'ms', lines: [{ field: 'p99' }, { field: 'p50', dash: [5, 4], width: 1.5 }] },
  { id: 'errors', title: 'Error rate (5xx)', unit: '%', lines: [{ field: 'errorRate', scale: 100 }] },
  { id: 'instances', title: 'Instances', unit: '', lines: [{ field: 'instances' }] },
];

const HEIGHT = 170;

export class ServiceCharts {
  constructor(container) {
    this.root = el('div', { class: 'charts' });
    container.append(this.root);
    this.boxes = CHARTS.map((c) => {
      const plot = el('div', { class: 'chart-plot' });
      const box = el('div', { class: 'chart', 'data-chart': c.id, 'data-samples': '0' },
        el('div', { class: 'chart-title' }, el('span', { text: c.title }), el('span', { class: 'chart-unit', text: c.unit })), plot);
      this.root.append(box);
      return { spec: c, box, plot, chart: undefined };
    });
    this.revisionsKey = '';
    this.resize = new ResizeObserver(() => {
      for (const b of this.boxes) b.chart?.setSize({ width: this.width(b), height: HEIGHT });
    });
    this.resize.observe(this.root);
  }

  width(b) {
    return Math.max(200, Math.floor(b.plot.clientWidth || b.box.clientWidth - 24));
  }

  /** Redraws with the current series; `revisions` are the service's revision views (colours, names). */
  update(times, series, revisions) {
    const shown = revisions.filter((r) => series[`${r.namespace}/${r.name}`]);
    const key = shown.map((r) => r.name).join(',');
    if (key !== this.revisionsKey) {
      this.revisionsKey = key;
      for (const b of this.boxes) { b.chart?.destroy(); b.chart = undefined; }
    }
    const xs = times.map((t) => t / 1000);
    for (const b of this.boxes) {
      const data = [xs];
      const lines = [{}];
      let samples = 0;
      for (const r of shown) {
        const s = series[`${r.namespace}/${r.name}`];
        for (const line of b.spec.lines) {
          const values = (s[line.field] ?? []).map((v) => (v === null || v === undefined ? null : v * (line.scale ?? 1)));
          samples += values.filter((v) => v !== null).length;
          data.push(values);
          lines.push({
            label: b.spec.lines.length > 1 ? `${r.name} ${line.field}` : r.name,
            stroke: revisionColour(r), width: line.width ?? 2, dash: line.dash, spanGaps: false, points: { show: false },
          });
        }
      }
      b.box.dataset.samples = String(samples);
      if (!b.chart) b.chart = this.create(b, lines, data);
      else b.chart.setData(data);
    }
  }

  create(b, series, data) {
    const axis = { stroke: '#5f6368', grid: { stroke: '#eceff1', width: 1 }, ticks: { stroke: '#eceff1', width: 1 }, font: '11px system-ui, sans-serif' };
    return new uPlot({
      width: this.width(b), height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max ?? 0, b.spec.id === 'errors' ? 1 : b.spec.id === 'instances' ? 2 : 0.001) * 1.1] } },
      axes: [axis, { ...axis, size: 48 }],
      series,
    }, data, b.plot);
  }

  destroy() {
    this.resize.disconnect();
    for (const b of this.boxes) b.chart?.destroy();
    this.root.remove();
  }
}
