import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, RevisionBackends } from './backends.ts';

describe('RevisionBackends', () => {
  it('stops reporting a deleted revision, keeps the same backend object, and reports it again when recreated', () => {
    const backends = new RevisionBackends(undefined);
    const first = backends.get('default', 'web-00001');
    backends.get('default', 'web-00002');
    assert.deepEqual(backends.revisions().map((r) => r.revision).sort(), ['web-00001', 'web-00002']);

    backends.forget('default', 'web-00001');
    assert.deepEqual(backends.revisions().map((r) => r.revision), ['web-00002']);
    assert.equal(backends.get('default', 'web-00001'), first, 'route groups holding the backend keep working');

    backends.setSettings('default', 'web-00001', DEFAULT_SETTINGS);
    assert.deepEqual(backends.revisions().map((r) => r.revision).sort(), ['web-00001', 'web-00002']);
  });

  it('keeps reporting a deleted revision while requests are still in flight', () => {
    const backends = new RevisionBackends(undefined);
    const b = backends.get('default', 'busy-00001');
    b.counters.started(performance.now());
    backends.forget('default', 'busy-00001');
    assert.deepEqual(backends.revisions().map((r) => r.revision), ['busy-00001']);
  });
});
