/** The activator and containerConcurrency limit through a real Gateway, with local upstream servers. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Activator, ACTIVATOR_TIMEOUT_BODY } from './activator.ts';
import { DEFAULT_SETTINGS, type Endpoint, type EndpointSource } from './backends.ts';
import { QUEUE_FULL_BODY, queueDepth } from './breaker.ts';
import { Gateway } from './gateway.ts';

class FakeEndpoints implements EndpointSource {
  readonly map = new Map<string, Endpoint[]>();
  private readonly listeners: ((ns: string, rev: string) => void)[] = [];
  endpoints(ns: string, rev: string): Endpoint[] { return this.map.get(`${ns}/${rev}`) ?? []; }
  onEndpointsChange(l: (ns: string, rev: string) => void): void { this.listeners.push(l); }
  set(rev: string, eps: Endpoint[]): void { this.map.set(`default/${rev}`, eps); for (const l of this.listeners) l('default', rev); }
}

/** Answers after ?ms=N milliseconds; records the most requests it ever had at once. */
class SlowUpstream {
  readonly server: Server;
  inFlight = 0;
  maxInFlight = 0;
  constructor() {
    this.server = createServer((req, res) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const ms = Number(new URL(req.url!, 'http://x').searchParams.get('ms') ?? 0);
      setTimeout(() => { this.inFlight--; res.end('ok'); }, ms);
    });
  }
  async listen(): Promise<Endpoint> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }
}

interface Reply { status: number; body: string }

function get(port: number, host: string, path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function route(rev: string) {
  return {
    namespace: 'default', route: rev, visibility: 'ExternalIP' as const,
    groups: [{ tag: '', hosts: [`${rev}.default.example.com`], splits: [{ revisionName: rev, percent: 100 }] }],
  };
}

/** Resolves once `check` holds, re-checking on every turn of the event loop. */
async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('Activator', () => {
  const endpoints = new FakeEndpoints();
  const pokes: string[] = [];
  let inPath = true;
  const activator = new Activator({ poke: (k) => pokes.push(k), inPath: () => inPath });
  const gateway = new Gateway({ endpoints, noReadyInstance: activator.hook, requestEnded: activator.requestEnded });
  activator.attach(gateway.backends);
  const upstreams: SlowUpstream[] = [];
  let port = 0;
  const host = (rev: string) => `${rev}.default.example.com`;

  before(async () => {
    port = (await gateway.listen('127.0.0.1', 0)).port;
  });
  after(async () => {
    activator.close();
    await gateway.close();
    for (const u of upstreams) { u.server.close(); u.server.closeAllConnections(); }
  });

  async function upstream(): Promise<[SlowUpstream, Endpoint]> {
    const u = new SlowUpstream();
    upstreams.push(u);
    return [u, await u.listen()];
  }

  it('holds a request for a revision at zero until an instance is ready, poking the autoscaler and counting it in flight', async () => {
    gateway.table.update('default/cold', route('cold'));
    const reply = get(port, host('cold'), '/?ms=0');
    await until(() => pokes.includes('default/cold'), 'the poke');
    const backend = gateway.backends.get('default', 'cold');
    assert.equal(activator.waiting(backend), 1);
    assert.equal(gateway.metrics.revision('default', 'cold')?.inFlight, 1);
    const [, ep] = await upstream();
    endpoints.set('cold', [ep]);
    assert.deepEqual(await reply, { status: 200, body: 'ok' });
    assert.equal(activator.waiting(backend), 0);
    const stats = gateway.metrics.revision('default', 'cold')!;
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.requests, 1, 'the wait is not a request of its own');
  });

  it('answers 504 after the revision timeout', async () => {
    gateway.table.update('default/never', route('never'));
    gateway.backends.setSettings('default', 'never', { ...DEFAULT_SETTINGS, timeoutMs: 150 });
    const started = performance.now();
    const reply = await get(port, host('never'));
    assert.equal(reply.status, 504);
    assert.equal(reply.body, `${ACTIVATOR_TIMEOUT_BODY}\n`);
    assert.ok(performance.now() - started >= 140);
    const stats = gateway.metrics.revision('default', 'never')!;
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.byClass['5xx'], 1);
  });

  it('a client that gives up leaves the queue', async () => {
    gateway.table.update('default/gone', route('gone'));
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: host('gone') }, agent: false });
    req.on('error', () => undefined);
    req.end();
    const backend = gateway.backends.get('default', 'gone');
    await until(() => activator.waiting(backend) === 1, 'the waiter');
    req.destroy();
    await until(() => activator.waiting(backend) === 0, 'the waiter to leave');
    assert.equal(gateway.metrics.revision('default', 'gone')?.inFlight, 0);
  });

  it('containerConcurrency 1: requests never overlap at an instance; they queue and go in order', async () => {
    gateway.table.update('default/cc1', route('cc1'));
    gateway.backends.setSettings('default', 'cc1', { ...DEFAULT_SETTINGS, containerConcurrency: 1 });
    const [u, ep] = await upstream();
    endpoints.set('cc1', [ep]);
    const replies = await Promise.all(Array.from({ length: 5 }, () => get(port, host('cc1'), '/?ms=30')));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200]);
    assert.equal(u.maxInFlight, 1);
  });

  it('containerConcurrency 2 over two instances: at most 2 each, and a new instance takes waiting requests', async () => {
    gateway.table.update('default/cc2', route('cc2'));
    gateway.backends.setSettings('default', 'cc2', { ...DEFAULT_SETTINGS, containerConcurrency: 2 });
    const [a, epA] = await upstream();
    const [b, epB] = await upstream();
    endpoints.set('cc2', [epA]);
    const replies = Promise.all(Array.from({ length: 8 }, () => get(port, host('cc2'), '/?ms=60')));
    const backend = gateway.backends.get('default', 'cc2');
    await until(() => activator.waiting(backend) === 6, 'six waiting');
    assert.equal(gateway.metrics.revision('default', 'cc2')?.inFlight, 8, 'waiting requests count as in flight');
    endpoints.set('cc2', [epA, epB]);
    assert.ok((await replies).every((r) => r.status === 200));
    assert.equal(a.maxInFlight, 2);
    assert.equal(b.maxInFlight, 2);
  });

  it('out of the path, the queue holds 10 × containerConcurrency per instance; overflow gets 503', async () => {
    inPath = false;
    try {
      gateway.table.update('default/full', route('full'));
      gateway.backends.setSettings('default', 'full', { ...DEFAULT_SETTINGS, containerConcurrency: 1 });
      const [, ep] = await upstream();
      endpoints.set('full', [ep]);
      const backend = gateway.backends.get('default', 'full');
      const first = Array.from({ length: 11 }, () => get(port, host('full'), '/?ms=50'));
      await until(() => activator.waiting(backend) === 10, 'a full queue');
      const overflow = await get(port, host('full'));
      assert.deepEqual(overflow, { status: 503, body: `${QUEUE_FULL_BODY}\n` });
      assert.ok((await Promise.all(first)).every((r) => r.status === 200));
    } finally {
      inPath = true;
    }
  });
});

describe('queueDepth', () => {
  it('is the activator depth while it is in the path or nothing is ready, else 10 × CC per instance', () => {
    assert.equal(queueDepth(1, 3, true), 10_000);
    assert.equal(queueDepth(1, 0, false), 10_000);
    assert.equal(queueDepth(0, 2, false), 10_000);
    assert.equal(queueDepth(1, 3, false), 30);
    assert.equal(queueDepth(4, 2, false), 80);
  });
});
