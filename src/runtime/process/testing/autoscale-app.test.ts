import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { findExecutable } from '../../sandbox/host-support.ts';
import { buildAutoscaleApp } from './autoscale-app.ts';

const skip = findExecutable('go') ? undefined : 'needs go to build the autoscale app';

describe('autoscale workload', { skip }, () => {
  let child: ChildProcess;
  let base: string;

  before(async () => {
    child = spawn(buildAutoscaleApp(), [], { env: { PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    base = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${log}`)));
      child.stderr!.on('data', (d) => {
        log += d;
        const port = /listening on \[?[^\]]*\]?:(\d+)/.exec(log)?.[1];
        if (port) resolve(`http://127.0.0.1:${port}`);
      });
    });
  });

  after(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, 'drains and exits cleanly on SIGTERM');
  });

  const get = async (query: string) => {
    const res = await fetch(`${base}/${query}`);
    return { status: res.status, body: (await res.text()).trim() };
  };

  it('?sleep=MS sleeps that long', async () => {
    const start = performance.now();
    const res = await get('?sleep=60');
    assert.equal(res.status, 200);
    assert.ok(performance.now() - start >= 59, 'took at least the sleep');
    assert.match(res.body, /^Slept for \d+ms\.$/);
  });

  it('?sleep also takes a Go duration', async () => {
    assert.match((await get('?sleep=20ms')).body, /^Slept for \d+ms\.$/);
  });

  const cases: [string, number, string | RegExp][] = [
    ['', 200, 'ok'],
    ['?prime=100', 200, 'The largest prime up to 100 is 97.'],
    ['?prime=1', 200, 'There are no primes up to 1.'],
    ['?bloat=2', 200, 'Allocated 2 MB of memory.'],
    ['?prime=10&bloat=1', 200, 'The largest prime up to 10 is 7.\nAllocated 1 MB of memory.'],
    ['?sleep=abc', 400, /^sleep: strconv.Atoi: parsing "abc": invalid syntax$/],
    ['?sleep=-5', 400, 'sleep: negative values are not supported'],
    ['?prime=0', 400, 'prime: must be positive'],
    ['?bloat=x', 400, /^bloat: /],
  ];
  for (const [query, status, body] of cases) {
    it(`${query || 'no query'} -> ${status}`, async () => {
      const res = await get(query);
      assert.equal(res.status, status);
      if (typeof body === 'string') assert.equal(res.body, body); else assert.match(res.body, body);
    });
  }
});
