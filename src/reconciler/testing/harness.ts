/** Test harness: controllers + simulated runtime on the fake client or the real registry. */

import type { KObject } from '../../apis/meta.ts';
import { ServiceType, type ResourceType } from '../../apis/resources.ts';
import type { Client } from '../../client/client.ts';
import { FakeClient } from '../../controller/testing/fake-client.ts';
import { SimulatedRuntime, type SimulatedRuntimeOptions } from '../../runtime/simulated-runtime.ts';
import { startControllers } from '../index.ts';
import { MemoryRouteTableSink } from '../route/route-table.ts';

export type Backend = 'fake' | 'registry';

export async function harness(backend: Backend, runtimeOpts: SimulatedRuntimeOptions = {}) {
  let client: Client;
  let closeBackend = async () => {};
  if (backend === 'fake') {
    client = new FakeClient();
  } else {
    const { newRegistry } = await import('../../registry/testing.ts');
    const r = await newRegistry();
    client = r.registry;
    closeBackend = r.close;
  }
  const runtime = new SimulatedRuntime(runtimeOpts);
  const sink = new MemoryRouteTableSink();
  const logger = process.env.KSRV_TEST_LOG ? (await import('pino')).default({ level: 'debug' }) : undefined;
  const ctrls = startControllers({ client, runtime, domain: 'example.com', routeTable: sink, logger });
  return {
    client, runtime, sink, ctrls,
    get: (type: ResourceType, name: string, ns = 'default') => client.get(type, ns, name),
    /** Create or replace (like kubectl apply of a full manifest) the Service's spec/metadata. */
    async apply(svc: KObject): Promise<void> {
      try {
        const cur = await client.get(ServiceType, svc.metadata.namespace ?? 'default', svc.metadata.name!);
        await client.update(ServiceType, { ...cur, metadata: { ...cur.metadata, labels: svc.metadata.labels, annotations: svc.metadata.annotations }, spec: svc.spec });
      } catch (err: any) {
        if (err?.code !== 404) throw err;
        await client.create(ServiceType, svc);
      }
    },
    async close() {
      await ctrls.stop();
      await runtime.close();
      await closeBackend();
    },
  };
}

export function cond(obj: KObject, type: string) {
  return obj.status?.conditions?.find((c: any) => c.type === type);
}

export function backends(): Backend[] {
  return ['fake', 'registry'];
}
