import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildContainerLaunch, expandVars } from './container-spec.ts';
import { resolveImageUser } from './image-user.ts';

const rootfs = mkdtempSync(join(tmpdir(), 'ksrv-spec-test-'));
mkdirSync(join(rootfs, 'etc'));
writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nweb:x:33:34::/var/www:/bin/false\n');
writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nwww:x:34:\nstaff:x:50:\n');
after(() => rmSync(rootfs, { recursive: true, force: true }));

function rev(container: Record<string, unknown>): any {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
    metadata: { name: 'hello-00002', namespace: 'ns', labels: { 'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/service': 'hello-svc' } },
    spec: { containers: [{ image: 'img', ...container }] },
  };
}
const image = { entrypoint: ['/entry'], cmd: ['--serve'], env: ['PATH=/opt/bin', 'A=image', 'B=image'], workingDir: '/srv', user: 'web' };
const envOf = (l: { env: [string, string][] }) => Object.fromEntries(l.env);

describe('buildContainerLaunch', () => {
  it('uses ENTRYPOINT + CMD when neither command nor args is set', () => {
    const l = buildContainerLaunch(rev({}), image, rootfs, { hostname: 'h' });
    assert.deepEqual(l.argv, ['/entry', '--serve']);
    assert.equal(l.workingDir, '/srv');
    assert.deepEqual([l.uid, l.gid], [33, 34]);
    assert.equal(l.port, 8080);
    assert.equal(l.containerName, 'user-container');
  });
  it('args replace CMD; command replaces ENTRYPOINT and CMD', () => {
    assert.deepEqual(buildContainerLaunch(rev({ args: ['x'] }), image, rootfs, { hostname: 'h' }).argv, ['/entry', 'x']);
    assert.deepEqual(buildContainerLaunch(rev({ command: ['/c'] }), image, rootfs, { hostname: 'h' }).argv, ['/c']);
    assert.deepEqual(buildContainerLaunch(rev({ command: ['/c'], args: ['y'] }), image, rootfs, { hostname: 'h' }).argv, ['/c', 'y']);
  });
  it('orders env image → container → injected and expands $(VAR)', () => {
    const l = buildContainerLaunch(rev({ env: [{ name: 'B', value: 'container' }, { name: 'C', value: '$(A)-$(B)-$(NOPE)' }, { name: 'PORT', value: '1' }], ports: [{ containerPort: 9000 }], workingDir: '/w' }), image, rootfs, { hostname: 'pod-1' });
    const env = envOf(l);
    assert.equal(env.PATH, '/opt/bin');
    assert.equal(env.A, 'image');
    assert.equal(env.B, 'container');
    assert.equal(env.C, 'image-container-$(NOPE)');
    assert.equal(env.PORT, '9000');
    assert.equal(env.K_REVISION, 'hello-00002');
    assert.equal(env.K_CONFIGURATION, 'hello');
    assert.equal(env.K_SERVICE, 'hello-svc');
    assert.equal(env.HOSTNAME, 'pod-1');
    assert.equal(l.workingDir, '/w');
    assert.equal(l.port, 9000);
  });
  it('defaults PATH and working dir, honours securityContext.runAsUser/runAsGroup', () => {
    const l = buildContainerLaunch(rev({ securityContext: { runAsUser: 1234, runAsGroup: 5 } }), { cmd: ['/app'] }, rootfs, { hostname: 'h' });
    assert.match(envOf(l).PATH!, /\/usr\/bin/);
    assert.equal(l.workingDir, '/');
    assert.deepEqual([l.uid, l.gid], [1234, 5]);
  });
  it('rejects a container with nothing to run', () => {
    assert.throws(() => buildContainerLaunch(rev({}), {}, rootfs, { hostname: 'h' }), /no command specified/);
  });
  it('expandVars handles $$ escapes', () => {
    assert.equal(expandVars('$$(A) $(A) $$', (n) => (n === 'A' ? 'v' : undefined)), '$(A) v $');
  });
});

describe('resolveImageUser', () => {
  it('resolves numeric and named users and groups', () => {
    assert.deepEqual(resolveImageUser(rootfs, ''), { uid: 0, gid: 0 });
    assert.deepEqual(resolveImageUser(rootfs, '33'), { uid: 33, gid: 34 });
    assert.deepEqual(resolveImageUser(rootfs, '4000'), { uid: 4000, gid: 0 });
    assert.deepEqual(resolveImageUser(rootfs, 'web:staff'), { uid: 33, gid: 50 });
    assert.deepEqual(resolveImageUser(rootfs, '7:8'), { uid: 7, gid: 8 });
    assert.throws(() => resolveImageUser(rootfs, 'nobody'), /unable to find user nobody/);
    assert.throws(() => resolveImageUser(rootfs, 'web:nogroup'), /unable to find group nogroup/);
  });
});
