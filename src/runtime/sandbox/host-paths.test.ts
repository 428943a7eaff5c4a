import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeHostPaths, parseHostPaths } from './host-paths.ts';

describe('host paths label', () => {
  it('parses system locations, normalised and deduplicated', () => {
    assert.deepEqual(parseHostPaths(' /usr  /lib/ /usr /etc/ssl '), ['/usr', '/lib', '/etc/ssl']);
    assert.deepEqual(parseHostPaths(undefined), []);
    assert.deepEqual(parseHostPaths(''), []);
  });
  it('refuses paths that would expose host state, naming the path', () => {
    for (const bad of ['/', '/etc', '/proc', '/proc/1', '/sys', '/dev/shm', '/run', '/tmp/x', '/var/lib', '/home/u', '/root', '/usr/../var']) {
      assert.throws(() => parseHostPaths(`/usr ${bad}`), new RegExp(`"${bad.replace(/[.]/g, '\\.')}" may not be shared`), bad);
    }
    assert.throws(() => parseHostPaths('usr'), /"usr" is not an absolute path/);
  });
  it('describes what exists on this host and skips what does not', () => {
    const entries = describeHostPaths(['/usr', '/no/such/path/ksrv']);
    assert.deepEqual(entries.map((e) => [e.path, e.kind]), [['/usr', 'dir']]);
  });
});
