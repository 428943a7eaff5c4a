/**
 * Fixture for crash.test.ts: writes to a SqliteStore as fast as it can and prints one line per
 * acknowledged write (`<op> <rv> <name> <n>`) with a synchronous write to stdout, so every printed
 * line was acknowledged before it left this process. The test SIGKILLs it mid-burst.
 */

import fs from 'node:fs';
import { SqliteStore } from './sqlite-store.ts';

const file = process.argv[2];
const maxWrites = Number(process.argv[3] ?? 200000);
if (!file) throw new Error('usage: crash-writer.ts <db file> [max writes]');

const store = await SqliteStore.open(file);
const group = 'serving.knative.dev';
const counter = { group, resource: 'services', namespace: 'crash', name: 'counter' };
const counterObj = (n: number) => ({ apiVersion: `${group}/v1`, kind: 'Service', metadata: { name: 'counter', namespace: 'crash' }, spec: { n } });

const first = await store.create(counter, counterObj(0));
fs.writeSync(1, `C ${first.metadata.resourceVersion} counter 0\n`);
for (let i = 1; i <= maxWrites; i++) {
  if (i % 2 === 1) {
    const name = `obj-${i}`;
    const ref = { group, resource: 'configurations', namespace: 'crash', name };
    const obj = { apiVersion: `${group}/v1`, kind: 'Configuration', metadata: { name, namespace: 'crash' }, spec: { i, pad: 'p'.repeat(i % 500) } };
    const created = await store.create(ref, obj);
    fs.writeSync(1, `C ${created.metadata.resourceVersion} ${name} ${i}\n`);
  } else {
    const updated = await store.update(counter, counterObj(i));
    fs.writeSync(1, `U ${updated.metadata.resourceVersion} counter ${i}\n`);
  }
}
await store.close();
