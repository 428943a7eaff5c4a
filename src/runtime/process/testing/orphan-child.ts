/**
 * Test helper process: starts one sandboxed instance of the example app in DATA_DIR, prints
 * `{"netns": …, "pid": …}` once it is ready, then waits to be killed (-9) by the test.
 * Usage: node --import tsx orphan-child.ts DATA_DIR ROOTFS
 */
import { ProcessRuntime } from '../process-runtime.ts';
import { FakeImageResolver, revisionObject } from './example-app.ts';

const [dataDir, rootfs] = process.argv.slice(2) as [string, string];
const images = new FakeImageResolver();
images.add('example.com/rest-api:v1', rootfs);
const runtime = new ProcessRuntime({ dataDir, images });
await runtime.ensure(revisionObject('orphan-00001', { image: 'example.com/rest-api:v1' }), 1);
runtime.onChange(() => {
  const [instance] = runtime.instances('default', 'orphan-00001');
  if (instance?.ready) process.stdout.write(`${JSON.stringify({ netns: instance.netns, pid: instance.pid })}\n`);
});
setInterval(() => undefined, 60_000);
