/**
 * A dependency-free SVG line chart: series over a shared time axis, each on the left or the right
 * y axis, with ticks, a legend and optional vertical markers.
 */

export interface Series {
  name: string;
  color: string;
  axis: 'left' | 'right';
  /** [seconds, value] points, time-ordered. */
  points: [number, number][];
  /** Draw as steps (value holds until the next point). */
  step?: boolean;
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  leftLabel: string;
  rightLabel: string;
  series: Series[];
  markers?: { at: number; label: string }[];
}

const W = 960;
const H = 440;
const M = { top: 62, right: 70, bottom: 50, left: 70 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * mag) return m * mag;
  return 10 * mag;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function lineChartSvg(spec: ChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  // Headroom above the highest value, so that lines at the maximum stay visible.
  const yMax = (axis: 'left' | 'right') => niceMax(1.15 * Math.max(0, ...spec.series.filter((s) => s.axis === axis).flatMap((s) => s.points.map((p) => p[1]))));
  const ranges = { left: yMax('left'), right: yMax('right') };
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t: number) => M.left + (t / xMax) * pw;
  const y = (v: number, axis: 'left' | 'right') => M.top + ph - (v / ranges[axis]) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(spec.title)}</text>`);
  const xStep = niceMax(xMax / 10);
  for (let t = 0; t <= xMax + 1e-9; t += xStep) {
    out.push(`<line x1="${x(t)}" y1="${M.top}" x2="${x(t)}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${x(t)}" y="${M.top + ph + 16}" text-anchor="middle">${+t.toFixed(1)}</text>`);
  }
  for (const axis of ['left', 'right'] as const) {
    for (let i = 0; i <= 5; i++) {
      const v = (ranges[axis] * i) / 5;
      const tx = axis === 'left' ? M.left - 6 : M.left + pw + 6;
      out.push(`<text x="${tx}" y="${y(v, axis) + 4}" text-anchor="${axis === 'left' ? 'end' : 'start'}">${+v.toFixed(1)}</text>`);
      if (axis === 'left') out.push(`<line x1="${M.left}" y1="${y(v, axis)}" x2="${M.left + pw}" y2="${y(v, axis)}" stroke="#eee"/>`);
    }
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.leftLabel)}</text>`);
  out.push(`<text transform="translate(${W - 14} ${M.top + ph / 2}) rotate(90)" text-anchor="middle">${esc(spec.rightLabel)}</text>`);
  for (const m of spec.markers ?? []) {
    out.push(`<line x1="${x(m.at)}" y1="${M.top}" x2="${x(m.at)}" y2="${M.top + ph}" stroke="#999" stroke-dasharray="4 4"/>`);
    out.push(`<text x="${x(m.at) + 4}" y="${M.top + ph - 6}" fill="#666">${esc(m.label)}</text>`);
  }
  spec.series.forEach((s, i) => {
    const pts: string[] = [];
    s.points.forEach(([t, v], k) => {
      if (s.step && k > 0) pts.push(`${x(t).toFixed(1)},${y(s.points[k - 1]![1], s.axis).toFixed(1)}`);
      pts.push(`${x(t).toFixed(1)},${y(v, s.axis).toFixed(1)}`);
    });
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`);
    // Legend: one row above the plot.
    const lx = M.left + i * Math.floor(pw / spec.series.length);
    out.push(`<line x1="${lx}" y1="44" x2="${lx + 20}" y2="44" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 26}" y="48">${esc(`${s.name} (${s.axis})`)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
