import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bwrapArgs, readRootfsLayout } from './bwrap-args.ts';
import { parseCidr16, slotAddresses } from './netns.ts';

const rootfs = mkdtempSync(join(tmpdir(), 'ksrv-bwrap-test-'));
after(() => rmSync(rootfs, { recursive: true, force: true }));
mkdirSync(join(rootfs, 'usr/bin'), { recursive: true });
mkdirSync(join(rootfs, 'etc/ssl'), { recursive: true });
mkdirSync(join(rootfs, 'proc'));
symlinkSync('usr/bin', join(rootfs, 'bin'));
writeFileSync(join(rootfs, 'app'), '');
writeFileSync(join(rootfs, 'etc/passwd'), '');
writeFileSync(join(rootfs, 'etc/hosts'), 'image hosts');

describe('bwrapArgs', () => {
  const layout = readRootfsLayout(rootfs);
  const etcFiles = { hosts: '/i/hosts', resolvConf: '/i/resolv.conf', hostname: '/i/hostname' };

  it('binds every rootfs entry read-only, rebuilds /etc with ksrv files, isolates namespaces', () => {
    const args = bwrapArgs({ layout, etcFiles, hostname: 'pod', uid: 0, gid: 0, workingDir: '/srv/data', argv: ['/app', '-x'], infoFd: 3 });
    const text = args.join(' ');
    for (const flag of ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--hostname pod', '--cap-drop ALL']) assert.ok(text.includes(flag), flag);
    assert.ok(text.includes(`--ro-bind ${rootfs}/usr /usr`));
    assert.ok(text.includes(`--ro-bind ${rootfs}/app /app`));
    assert.ok(text.includes('--symlink usr/bin /bin'));
    assert.ok(text.includes(`--ro-bind ${rootfs}/etc/passwd /etc/passwd`));
    assert.ok(text.includes(`--ro-bind ${rootfs}/etc/ssl /etc/ssl`));
    assert.ok(!text.includes(`${rootfs}/etc/hosts`), 'the image /etc/hosts is replaced');
    assert.ok(!text.includes(`${rootfs}/proc`));
    assert.ok(text.includes('--ro-bind /i/hosts /etc/hosts'));
    assert.ok(text.includes('--proc /proc --dev /dev --perms 01777 --tmpfs /tmp'));
    assert.ok(text.includes('--dir /srv/data --remount-ro / --chdir /srv/data --info-fd 3 -- /app -x'));
  });

  it('runs a non-root user in a user namespace with that uid/gid and no extra capabilities', () => {
    const args = bwrapArgs({ layout, etcFiles, hostname: 'pod', uid: 1000, gid: 1001, workingDir: '/', argv: ['/app'] }).join(' ');
    assert.ok(args.includes('--unshare-user --uid 1000 --gid 1001'));
    assert.ok(!args.includes('--cap-add'));
  });
});

describe('instance addresses', () => {
  it('gives slot k of the /16 the /30 at base+4k', () => {
    const base = parseCidr16('10.213.0.0/16');
    assert.deepEqual(slotAddresses(base, 1), { hostIp: '10.213.0.5', instanceIp: '10.213.0.6' });
    assert.deepEqual(slotAddresses(base, 16383), { hostIp: '10.213.255.253', instanceIp: '10.213.255.254' });
    assert.throws(() => parseCidr16('10.0.0.0/8'), /must be a \/16/);
  });
});
