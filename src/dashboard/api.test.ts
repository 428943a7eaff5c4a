import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../apis/meta.ts';
import type { Client } from '../client/client.ts';
import { ApiError } from '../lib/errors.ts';
import { handleApiRequest, type ApiDeps } from './api.ts';

const WEBHOOK_TEXT = 'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: Traffic targets sum to 90, want 100: spec.traffic';

function fakeDeps() {
  const calls: unknown[][] = [];
  const client = {
    async patch(...args: unknown[]) {
      calls.push(args);
      const traffic = (args[4] as any).spec.traffic as { percent: number }[];
      if (traffic.reduce((s, t) => s + t.percent, 0) !== 100) throw new ApiError(400, 'BadRequest', WEBHOOK_TEXT);
      const object: KObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: args[2] as string, namespace: args[1] as string }, spec: { traffic } };
      return { object, created: false, warnings: [] };
    },
  } as unknown as Client;
  const snapshot = { services: [], revisions: [], routes: [], history: [{ at: 't', namespace: 'n', service: 's', kind: 'traffic' as const, message: 'm' }] };
  const deps: ApiDeps = { client, snapshot: () => snapshot, series: () => ({ times: [1], series: {} }) };
  return { deps, calls, snapshot };
}

const body = (v: unknown) => async () => JSON.stringify(v);
const noBody = async () => '';

test('GET state, series and history', async () => {
  const { deps, snapshot } = fakeDeps();
  assert.deepEqual(await handleApiRequest(deps, 'GET', '/api/state', noBody), { status: 200, body: snapshot });
  assert.deepEqual(await handleApiRequest(deps, 'GET', '/api/series', noBody), { status: 200, body: { times: [1], series: {} } });
  assert.deepEqual(await handleApiRequest(deps, 'GET', '/api/history', noBody), { status: 200, body: snapshot.history });
  assert.equal((await handleApiRequest(deps, 'POST', '/api/state', noBody))?.status, 405);
  assert.equal(await handleApiRequest(deps, 'GET', '/api/nothing', noBody), undefined);
});

test('PATCH traffic merges spec.traffic through the Client as the token user', async () => {
  const { deps, calls } = fakeDeps();
  const traffic = [{ revisionName: 'web-v1', percent: 70, tag: 'v1' }, { latestRevision: true, percent: 30 }];
  const reply = await handleApiRequest(deps, 'PATCH', '/api/namespaces/team%2Da/services/web/traffic', body({ traffic }));
  assert.equal(reply?.status, 200);
  assert.deepEqual((reply?.body as any).specTraffic, traffic);
  assert.equal(calls.length, 1);
  const [type, ns, name, patchType, patch, opts] = calls[0]!;
  assert.equal((type as any).kind, 'Service');
  assert.deepEqual([ns, name, patchType, patch], ['team-a', 'web', 'merge', { spec: { traffic } }]);
  assert.equal((opts as any).username, 'ksrv-admin');
});

test('PATCH traffic returns the API\'s rejection verbatim as a Status', async () => {
  const { deps } = fakeDeps();
  const reply = await handleApiRequest(deps, 'PATCH', '/api/namespaces/default/services/web/traffic', body({ traffic: [{ revisionName: 'a', percent: 90 }] }));
  assert.equal(reply?.status, 400);
  assert.deepEqual(reply?.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: WEBHOOK_TEXT, reason: 'BadRequest', code: 400 });
});

test('PATCH traffic refuses bodies that are not {"traffic": [...]} without calling the Client', async () => {
  const { deps, calls } = fakeDeps();
  for (const text of ['not json', '{}', '{"traffic": {"a": 1}}', 'null']) {
    const reply = await handleApiRequest(deps, 'PATCH', '/api/namespaces/default/services/web/traffic', async () => text);
    assert.equal(reply?.status, 400, text);
  }
  assert.equal((await handleApiRequest(deps, 'GET', '/api/namespaces/default/services/web/traffic', noBody))?.status, 405);
  assert.equal(calls.length, 0);
});
