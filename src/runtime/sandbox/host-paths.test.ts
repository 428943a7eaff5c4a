import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, lstatSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bwrapArgs, readRootfsLayout } from './bwrap-args.ts';
import { describeHostPaths, parseHostPaths } from './host-paths.ts';

/** The symlink test needs a writable directory outside the refused trees (/tmp is one). */
const usrLocalWritable = (() => { try { accessSync('/usr/local', constants.W_OK); return true; } catch { return false; } })();

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
  it('refuses the secrets under /etc, and what lies below them', () => {
    for (const bad of ['/etc/shadow', '/etc/gshadow', '/etc/sudoers.d', '/etc/ssh', '/etc/ssh/ssh_host_ed25519_key', '/etc/ssl/private', '/etc/ssl/private/x.key', '/etc/ssl/../shadow']) {
      assert.throws(() => parseHostPaths(`/usr ${bad}`), /may not be shared/, bad);
    }
    assert.deepEqual(parseHostPaths('/etc/ssl/certs /etc/ssl /etc/sshd-not-ssh'), ['/etc/ssl/certs', '/etc/ssl', '/etc/sshd-not-ssh']);
  });
  it('checks a path reached through a host symlink where it really is', { skip: !usrLocalWritable && 'needs a writable /usr/local' }, () => {
    // A directory outside the refused trees whose symlink points into one (/usr/tmp -> ../var/tmp on Debian).
    const dir = mkdtempSync(join('/usr/local', 'ksrv-host-paths-test-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync('/var/lib', join(dir, 'state'));
    symlinkSync('/etc/ssl', join(dir, 'ssl'));
    assert.deepEqual(parseHostPaths(`${dir}/state/dpkg`), [`${dir}/state/dpkg`]);
    assert.throws(() => describeHostPaths([`${dir}/state/dpkg`]), /is \/var\/lib\/dpkg on this host, which may not be shared/);
    // The symlink itself is recreated inside the sandbox, not followed.
    assert.deepEqual(describeHostPaths([`${dir}/state`]), [{ path: `${dir}/state`, kind: 'symlink', target: '/var/lib' }]);
    if (existsSync('/etc/ssl/private')) {
      assert.throws(() => describeHostPaths([`${dir}/ssl/private`]), /may not be shared/);
      assert.deepEqual(describeHostPaths([`${dir}/ssl/.`]).map((e) => e.masks), [[{ path: `${dir}/ssl/./private`, kind: 'dir' }]]);
    }
  });
  it('hides the secrets inside a shared directory', () => {
    if (!existsSync('/etc/ssl/private') || !lstatSync('/etc/ssl/private').isDirectory()) return;
    const entries = describeHostPaths(parseHostPaths('/usr /etc/ssl'));
    assert.deepEqual(entries.find((e) => e.path === '/etc/ssl')?.masks, [{ path: '/etc/ssl/private', kind: 'dir' }]);
    assert.equal(entries.find((e) => e.path === '/usr')?.masks, undefined);
    const rootfs = mkdtempSync(join(tmpdir(), 'ksrv-host-paths-rootfs-'));
    after(() => rmSync(rootfs, { recursive: true, force: true }));
    const args = bwrapArgs({ layout: readRootfsLayout(rootfs, entries), etcFiles: { hosts: '/h', resolvConf: '/r', hostname: '/n' },
      hostname: 'pod', uid: 0, gid: 0, workingDir: '/', argv: ['/app'] }).join(' ');
    assert.ok(args.includes('--ro-bind /etc/ssl /etc/ssl --tmpfs /etc/ssl/private --remount-ro /etc/ssl/private'), args);
  });
  it('describes what exists on this host and skips what does not', () => {
    const entries = describeHostPaths(['/usr', '/no/such/path/ksrv']);
    assert.deepEqual(entries.map((e) => [e.path, e.kind]), [['/usr', 'dir']]);
  });
});
