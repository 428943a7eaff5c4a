// The dashboard page: keeps the model the live stream describes and renders one card per service.
import { api, openStream, takeToken, Unauthorized } from './live.js';
import { ServiceCard } from './service-card.js';

const CAPACITY = 900;
const model = {
  services: new Map(), revisions: new Map(), routes: new Map(), history: [],
  times: [], series: {}, latest: {},
};
const cards = new Map();
const dirty = { structure: false, charts: false };
let frame = 0;

const token = takeToken();
const connection = document.getElementById('connection');

function setConnection(state) {
  connection.dataset.state = state;
  connection.textContent = { live: 'live', reconnecting: 'reconnecting…', unauthorized: 'not signed in', connecting: 'connecting…' }[state] ?? state;
  document.getElementById('auth-needed').hidden = state !== 'unauthorized';
}

if (!token) setConnection('unauthorized');
else openStream(token, onEvent, setConnection);

function onEvent(name, data) {
  if (name === 'snapshot') {
    model.services = new Map(data.services.map((s) => [`${s.namespace}/${s.name}`, s]));
    model.revisions = new Map(data.revisions.map((r) => [`${r.namespace}/${r.name}`, r]));
    model.routes = new Map(data.routes.map((r) => [`${r.namespace}/${r.name}`, r]));
    model.history = data.history;
    model.times = data.series.times;
    model.series = data.series.series;
    model.latest = {};
    schedule(true, true);
  } else if (name === 'change') {
    if (data.type === 'history') model.history.push(data.entry);
    else {
      const map = data.kind === 'service' ? model.services : data.kind === 'revision' ? model.revisions : model.routes;
      if (data.type === 'delete') map.delete(data.key);
      else map.set(data.key, data.view);
    }
    schedule(true, false);
  } else if (name === 'sample') {
    appendSample(data);
    schedule(false, true);
  }
}

function appendSample({ t, samples }) {
  const n = model.times.length;
  model.times.push(t);
  for (const [key, sample] of Object.entries(samples)) {
    if (!model.series[key]) model.series[key] = Object.fromEntries(Object.keys(sample).map((f) => [f, new Array(n).fill(null)]));
  }
  for (const [key, cols] of Object.entries(model.series)) {
    const sample = samples[key];
    for (const [field, values] of Object.entries(cols)) values.push(sample ? sample[field] : null);
  }
  if (model.times.length > CAPACITY) {
    const drop = model.times.length - CAPACITY;
    model.times.splice(0, drop);
    for (const cols of Object.values(model.series)) for (const values of Object.values(cols)) values.splice(0, drop);
  }
  model.latest = samples;
}

function schedule(structure, charts) {
  dirty.structure ||= structure;
  dirty.charts ||= charts;
  frame ||= requestAnimationFrame(render);
}

function revisionsOf(service) {
  return [...model.revisions.values()]
    .filter((r) => r.namespace === service.namespace && r.service === service.name)
    .sort((a, b) => b.generation - a.generation || b.name.localeCompare(a.name));
}

function render() {
  frame = 0;
  const container = document.getElementById('services');
  const keys = [...model.services.keys()].sort();
  if (dirty.structure) {
    for (const [key, card] of cards) if (!model.services.has(key)) { card.destroy(); cards.delete(key); }
    keys.forEach((key, i) => {
      let card = cards.get(key);
      if (!card) { card = new ServiceCard(key, applyTraffic); cards.set(key, card); }
      if (container.children[i] !== card.root) container.insertBefore(card.root, container.children[i] ?? null);
      const s = model.services.get(key);
      card.update(s, revisionsOf(s), model.history.filter((h) => h.namespace === s.namespace && h.service === s.name));
    });
    document.getElementById('empty').hidden = keys.length > 0;
  }
  if (dirty.charts || dirty.structure) {
    for (const card of cards.values()) {
      card.renderFigures(model.latest);
      card.updateCharts(model.times, model.series);
    }
  }
  dirty.structure = dirty.charts = false;
}

async function applyTraffic(service, traffic) {
  try {
    const path = `/api/namespaces/${encodeURIComponent(service.namespace)}/services/${encodeURIComponent(service.name)}/traffic`;
    const res = await api(token, 'PATCH', path, { traffic });
    return res.ok ? { ok: true, service: res.body } : { ok: false, message: res.body.message ?? `HTTP ${res.status}` };
  } catch (err) {
    if (err instanceof Unauthorized) setConnection('unauthorized');
    return { ok: false, message: err.message || String(err) };
  }
}
