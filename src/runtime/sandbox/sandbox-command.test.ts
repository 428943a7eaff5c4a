import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ContainerLaunch } from '../process/container-spec.ts';
import { readRootfsLayout } from './bwrap-args.ts';
import { execInSandboxCommand, isHostUnsafeEnv, sandboxCommand } from './sandbox-command.ts';

const rootfs = mkdtempSync(join(tmpdir(), 'ksrv-sandbox-cmd-test-'));
after(() => rmSync(rootfs, { recursive: true, force: true }));

const tools = { bwrap: '/usr/bin/bwrap', ip: '/usr/bin/ip', nsenter: '/usr/bin/nsenter', setpriv: '/usr/bin/setpriv' };
const etcFiles = { hosts: '/i/hosts', resolvConf: '/i/resolv.conf', hostname: '/i/hostname' };
const launch = (uid: number): ContainerLaunch => ({
  containerName: 'user-container', image: 'img', argv: ['/app'], workingDir: '/', uid, gid: uid, port: 8080,
  env: [['PATH', '/usr/bin'], ['LD_PRELOAD', '/root/.ksrv/images/rootfs/x/evil.so'], ['LD_LIBRARY_PATH', '/x'],
    ['GCONV_PATH', '/x'], ['GLIBC_TUNABLES', 'glibc.malloc.check=3'], ['SECRET', 's3'], ['PORT', '8080']],
});

describe('sandbox command environment', () => {
  it('keeps loader variables out of the host processes and has bwrap set them for the app', () => {
    for (const uid of [0, 1000]) {
      const cmd = sandboxCommand(tools, '/run/netns/x', launch(uid), readRootfsLayout(rootfs), etcFiles, 'pod');
      assert.deepEqual(cmd.env, { PATH: '/usr/bin', SECRET: 's3', PORT: '8080' });
      const text = cmd.args.join(' ');
      assert.ok(text.includes('--setenv LD_PRELOAD /root/.ksrv/images/rootfs/x/evil.so --setenv LD_LIBRARY_PATH /x --setenv GCONV_PATH /x --setenv GLIBC_TUNABLES glibc.malloc.check=3 -- /app'), text);
      assert.ok(!text.includes('SECRET'), 'ordinary variables stay out of the (world-readable) command line');
    }
  });
  it('leaves loader variables out of exec probes (nsenter starts on the host)', () => {
    const cmd = execInSandboxCommand(tools, 42, launch(0), ['/bin/check']);
    assert.deepEqual(cmd.env, { PATH: '/usr/bin', SECRET: 's3', PORT: '8080' });
  });
  it('classifies the variables glibc ignores in secure mode', () => {
    for (const name of ['LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH', 'GCONV_PATH', 'GLIBC_TUNABLES', 'NLSPATH', 'LOCPATH', 'HOSTALIASES']) assert.ok(isHostUnsafeEnv(name), name);
    for (const name of ['PATH', 'HOME', 'PORT', 'OLD_PRELOAD', 'K_SERVICE']) assert.ok(!isHostUnsafeEnv(name), name);
  });
});
