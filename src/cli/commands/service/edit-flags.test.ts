import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../../apis/serving/types.ts';
import { anyMutation, applyEditFlags, generateRevisionName, parseKeyValues } from './edit-flags.ts';

const NOW = new Date('2024-05-01T10:00:00.123Z');

function service(): Service {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 's', generation: 2 },
    spec: { template: { metadata: { name: 's-old' }, spec: { containers: [{ image: 'img:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } } },
  };
}

describe('applyEditFlags', () => {
  it('sets image, env, port, scale, concurrency, timeout and annotations as kn does', () => {
    const s = service();
    applyEditFlags(s, {
      image: 'img:2', env: ['B=3', 'C=4', 'A-'], port: 'h2c:8080', scaleMin: 1, scaleMax: 5, scaleTarget: 10,
      concurrencyLimit: 20, timeout: 30, annotation: ['team=x', 'autoscaling.knative.dev/window=60s'], revisionName: '{{.Service}}-v{{.Generation}}',
    }, NOW);
    const t = s.spec!.template!;
    assert.equal(t.metadata!.name, 's-v3');
    assert.deepEqual(t.spec!.containers![0], { image: 'img:2', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }], ports: [{ containerPort: 8080, name: 'h2c' }] });
    assert.equal(t.spec!.containerConcurrency, 20);
    assert.equal(t.spec!.timeoutSeconds, 30);
    assert.deepEqual(t.metadata!.annotations, {
      'client.knative.dev/user-image': 'img:2',
      'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/max-scale': '5', 'autoscaling.knative.dev/target': '10',
      team: 'x', 'autoscaling.knative.dev/window': '60s', 'client.knative.dev/updateTimestamp': '2024-05-01T10:00:00Z',
    });
    assert.deepEqual(s.metadata.annotations, { team: 'x' }, 'autoscaling annotations stay off the Service');
  });

  it('drops the earlier revision name when the template changes without --revision-name', () => {
    const s = service();
    applyEditFlags(s, { env: ['A=9'] }, NOW);
    assert.equal(s.spec!.template!.metadata!.name, undefined);
  });

  it('changes nothing without flags', () => {
    const s = service();
    applyEditFlags(s, {}, NOW);
    assert.deepEqual(s, service());
    assert.equal(anyMutation({}), false);
  });

  it('rejects malformed values', () => {
    assert.throws(() => applyEditFlags(service(), { env: ['NOVALUE'] }), { message: `Invalid --env: argument requires a value that contains the '=' character; got "NOVALUE"` });
    assert.throws(() => applyEditFlags(service(), { port: 'x:y' }), /Invalid --port/);
  });
});

describe('revision names', () => {
  it('prefixes the service name and fills the template', () => {
    assert.equal(generateRevisionName('v1', 's', 1), 's-v1');
    assert.equal(generateRevisionName('s-v1', 's', 1), 's-v1');
    assert.equal(generateRevisionName('{{.Service}}-{{.Random 3}}-{{.Generation}}', 's', 4, (n) => 'x'.repeat(n)), 's-xxx-4');
    assert.equal(generateRevisionName('', 's', 1), '');
  });
  it('parses KEY=VALUE and KEY-', () => {
    assert.deepEqual(parseKeyValues(['a=b=c', 'd-'], '--env'), { set: new Map([['a', 'b=c']]), remove: ['d'] });
  });
});
