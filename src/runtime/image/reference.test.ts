import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidReferenceError, isLoopbackRegistry, normalizeReference, parseReference } from './reference.ts';

const DIGEST = 'sha256:' + 'ab'.repeat(32);

describe('image references', () => {
  it('normalises like Docker', () => {
    assert.equal(normalizeReference('nginx'), 'docker.io/library/nginx:latest');
    assert.equal(normalizeReference('nginx:1.27'), 'docker.io/library/nginx:1.27');
    assert.equal(normalizeReference('bitnami/redis'), 'docker.io/bitnami/redis:latest');
    assert.equal(normalizeReference('index.docker.io/library/nginx'), 'docker.io/library/nginx:latest');
    assert.equal(normalizeReference('registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1'),
      'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1');
    assert.equal(normalizeReference('localhost/app'), 'localhost/app:latest');
    assert.equal(normalizeReference('127.0.0.1:5000/x:v1'), '127.0.0.1:5000/x:v1');
    assert.equal(normalizeReference(`quay.io/a/b@${DIGEST}`), `quay.io/a/b@${DIGEST}`);
    assert.equal(normalizeReference(`quay.io/a/b:v2@${DIGEST}`), `quay.io/a/b@${DIGEST}`);
  });

  it('parses the parts', () => {
    assert.deepEqual(parseReference('127.0.0.1:5000/team/app:v1'), { domain: '127.0.0.1:5000', path: 'team/app', tag: 'v1' });
    assert.deepEqual(parseReference(`app@${DIGEST}`), { domain: 'docker.io', path: 'library/app', digest: DIGEST });
  });

  it('rejects malformed references', () => {
    assert.throws(() => parseReference('Nginx'), /repository name must be lowercase/);
    assert.throws(() => parseReference('a/b@sha256:1234'), InvalidReferenceError);
    assert.throws(() => parseReference('a:b:c'), InvalidReferenceError);
    assert.throws(() => parseReference(''), InvalidReferenceError);
    assert.throws(() => parseReference('a/-b'), /invalid repository name component/);
  });

  it('only loopback registries count as loopback', () => {
    assert.equal(isLoopbackRegistry('127.0.0.1:5000'), true);
    assert.equal(isLoopbackRegistry('localhost:5000'), true);
    assert.equal(isLoopbackRegistry('10.0.0.1:5000'), false);
    assert.equal(isLoopbackRegistry('localhost.example.com'), false);
  });
});
