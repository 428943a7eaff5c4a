/**
 * The core v1 Services scripts written for Istio or Kourier read to find the ingress:
 * `kubectl get svc istio-ingressgateway -n istio-system -o jsonpath='{.status.loadBalancer.ingress[0].ip}'`.
 * Their load-balancer address is the gateway's; when its port is not 80 the "ip" carries `:port`,
 * so `curl http://$GATEWAY_IP` still reaches it.
 */
import type { KObject } from '../apis/meta.ts';
import { CoreServiceType } from '../apis/resources.ts';
import type { Client } from '../client/client.ts';
import { ApiError } from '../lib/errors.ts';

export const COMPAT_SERVICES = [
  { namespace: 'istio-system', name: 'istio-ingressgateway', app: 'istio-ingressgateway' },
  { namespace: 'kourier-system', name: 'kourier', app: '3scale-kourier-gateway' },
] as const;

/** What a script may use to reach the gateway: host, or host:port when the port is not 80. */
export function gatewayIngressAddress(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const bracketed = h.includes(':') ? `[${h}]` : h;
  return port === 80 ? bracketed : `${bracketed}:${port}`;
}

/** Creates (or refreshes) the compatibility Services; `ensureNamespace` creates their namespaces. */
export async function ensureCompatServices(client: Client, ensureNamespace: (ns: string) => Promise<void>, host: string, port: number): Promise<void> {
  const ip = gatewayIngressAddress(host, port);
  for (const svc of COMPAT_SERVICES) {
    await ensureNamespace(svc.namespace);
    const desired: KObject = {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: svc.name, namespace: svc.namespace, labels: { app: svc.app, 'app.kubernetes.io/managed-by': 'ksrv' } },
      spec: {
        type: 'LoadBalancer', clusterIP: host, clusterIPs: [host],
        ports: [{ name: 'http2', port, protocol: 'TCP', targetPort: port }],
        selector: { app: svc.app },
      },
    };
    let current: KObject;
    try {
      current = (await client.create(CoreServiceType, desired)).object;
    } catch (e) {
      if (!(ApiError.isApiError(e) && e.reason === 'AlreadyExists')) throw e;
      const existing = await client.get(CoreServiceType, svc.namespace, svc.name);
      current = (await client.update(CoreServiceType, { ...existing, spec: desired.spec, metadata: { ...existing.metadata, labels: desired.metadata.labels } })).object;
    }
    await client.updateStatus(CoreServiceType, { ...current, status: { loadBalancer: { ingress: [{ ip }] } } });
  }
}
