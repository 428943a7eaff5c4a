import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../apis/meta.ts';
import type { ServingClient, WatchEvent, WatchHandle } from './serving-client.ts';
import { progressPrinter, waitForReady, WaitTimeoutError } from './wait.ts';

/** A client whose watch hands its event callback to the test. */
function fakeClient() {
  const state: { emit?: (e: WatchEvent) => void; stopped: number; watches: number } = { stopped: 0, watches: 0 };
  const client = {
    watch(_resource: string, opts: { name?: string }, onEvent: (e: WatchEvent) => void): WatchHandle {
      assert.equal(opts.name, 'svc');
      state.watches++;
      state.emit = onEvent;
      return { stop: () => { state.stopped++; }, closed: new Promise(() => {}) };
    },
  } as unknown as ServingClient;
  return { client, state };
}

function svc(generation: number, observed: number | undefined, ready?: 'True' | 'False' | 'Unknown', message?: string): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'svc', generation },
    status: { observedGeneration: observed, conditions: ready ? [{ type: 'Ready', status: ready, reason: 'R', message }] : [] },
  };
}

describe('waitForReady', () => {
  it('resolves on Ready=True once the status describes our generation, reporting progress', async () => {
    const { client, state } = fakeClient();
    const messages: string[] = [];
    const done = waitForReady(client, 'services', 'svc', { generation: 2, timeoutSeconds: 10, onMessage: (_ms, m) => messages.push(m) });
    state.emit!({ type: 'ADDED', object: svc(1, 1, 'True') });          // an older generation's readiness
    state.emit!({ type: 'MODIFIED', object: svc(2, 1, 'True') });       // not yet observed
    state.emit!({ type: 'MODIFIED', object: svc(2, 2, 'Unknown', 'working') });
    state.emit!({ type: 'MODIFIED', object: svc(2, 2, 'True') });
    const { object } = await done;
    assert.equal(object.metadata.generation, 2);
    assert.deepEqual(messages, ['working']);
    assert.equal(state.stopped, 1);
  });

  it('times out with kn\'s message', async () => {
    const { client } = fakeClient();
    await assert.rejects(waitForReady(client, 'services', 'svc', { timeoutSeconds: 0.05 }),
      (e: Error) => e instanceof WaitTimeoutError && e.message === "timeout: service 'svc' not ready after 0.05 seconds");
  });

  it('fails when Ready=False lasts the error window', async () => {
    const { client, state } = fakeClient();
    const done = waitForReady(client, 'services', 'svc', { timeoutSeconds: 10, errorWindowMs: 10 });
    state.emit!({ type: 'MODIFIED', object: svc(1, 1, 'False', 'Revision "x" referenced in traffic not found.') });
    await assert.rejects(done, { message: 'R: Revision "x" referenced in traffic not found.' });
  });

  it('a recovery inside the error window keeps waiting', async () => {
    const { client, state } = fakeClient();
    const done = waitForReady(client, 'services', 'svc', { timeoutSeconds: 10, errorWindowMs: 50 });
    state.emit!({ type: 'MODIFIED', object: svc(1, 1, 'False', 'bad') });
    state.emit!({ type: 'MODIFIED', object: svc(1, 1, 'Unknown', 'better') });
    await new Promise((r) => setTimeout(r, 80));
    state.emit!({ type: 'MODIFIED', object: svc(1, 1, 'True') });
    await done;
  });

  it('fails when the object is deleted', async () => {
    const { client, state } = fakeClient();
    const done = waitForReady(client, 'services', 'svc', { timeoutSeconds: 10 });
    state.emit!({ type: 'DELETED', object: svc(1, 1) });
    await assert.rejects(done, /was deleted/);
  });
});

describe('progressPrinter', () => {
  it("prints kn's lines, '...' for a repeated message", () => {
    const lines: string[] = [];
    const print = progressPrinter((l) => lines.push(l));
    print(12, 'a');
    print(1500, 'a');
    print(12345, 'b');
    assert.deepEqual(lines, ['  0.012s a\n', '  1.500s ...\n', ' 12.345s b\n']);
  });
});
