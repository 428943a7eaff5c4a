import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatHostPort, parseHostPort } from './addresses.ts';

describe('parseHostPort', () => {
  it('parses IPv4, names and bracketed IPv6', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:6443', '--api-address'), { host: '127.0.0.1', port: 6443 });
    assert.deepEqual(parseHostPort('localhost:0', '--api-address'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseHostPort('[::1]:8080', '--gateway-address'), { host: '::1', port: 8080 });
  });
  it('says which flag is wrong and why', () => {
    assert.throws(() => parseHostPort('127.0.0.1', '--api-address'), /--api-address: expected HOST:PORT \(e\.g\. 127\.0\.0\.1:6443\), got "127\.0\.0\.1"/);
    assert.throws(() => parseHostPort('127.0.0.1:70000', '--gateway-address'), /--gateway-address: port 70000 is out of range/);
  });
  it('formats back', () => {
    assert.equal(formatHostPort({ host: '::1', port: 1 }), '[::1]:1');
    assert.equal(formatHostPort({ host: '127.0.0.1', port: 2 }), '127.0.0.1:2');
  });
});
