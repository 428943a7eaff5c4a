// Formatting helpers and the per-revision colours shared by the traffic bar and the charts.

const PALETTE = ['#1a73e8', '#e8710a', '#1e8e3e', '#d93025', '#9334e6', '#12b5cb', '#e52592', '#f9ab00', '#5f6368', '#7cb342'];

/** A revision's colour: by its configuration generation, so it never changes while it exists. */
export function revisionColour(rev) {
  const n = rev && rev.generation > 0 ? rev.generation - 1 : hash(rev ? rev.name : '');
  return PALETTE[n % PALETTE.length];
}

function hash(s) {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'style') e.style.cssText = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c);
  return e;
}

export function age(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

export function fmt(v, digits = 1, unit = '') {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : `${Number(v).toFixed(digits)}${unit}`;
}

export function shortDigest(d) {
  if (!d) return '';
  const [algo, hex] = d.includes(':') ? d.split(':') : ['', d];
  return `${algo ? `${algo}:` : ''}${hex.slice(0, 12)}`;
}

/** Percent per revision of a resolved traffic list (a revision may appear more than once, e.g. under tags). */
export function percentByRevision(targets) {
  const out = new Map();
  for (const t of targets) {
    if (!t.revisionName) continue;
    out.set(t.revisionName, (out.get(t.revisionName) ?? 0) + (t.percent ?? 0));
  }
  return out;
}
