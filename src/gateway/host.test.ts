import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostKey, isGatewayOwnHost } from './host.ts';

describe('hostKey', () => {
  it('strips the port, a trailing dot, and lower-cases', () => {
    assert.equal(hostKey('web.default.example.com'), 'web.default.example.com');
    assert.equal(hostKey('web.default.example.com:8080'), 'web.default.example.com');
    assert.equal(hostKey('Web.Default.Example.COM.:80'), 'web.default.example.com');
    assert.equal(hostKey('web.default.svc.cluster.local.'), 'web.default.svc.cluster.local');
    assert.equal(hostKey('[::1]:8080'), '[::1]');
    assert.equal(hostKey(undefined), '');
  });
  it('the gateway answers its own pages only on IP literals and localhost', () => {
    assert.ok(isGatewayOwnHost('127.0.0.1'));
    assert.ok(isGatewayOwnHost('[::1]'));
    assert.ok(isGatewayOwnHost('localhost'));
    assert.ok(!isGatewayOwnHost('web.default.example.com'));
  });
});
