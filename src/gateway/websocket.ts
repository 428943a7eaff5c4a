/**
 * WebSocket (and any HTTP/1.1 Upgrade): connect to an instance, replay the request head with the
 * forwarding headers, then splice the two sockets byte for byte. The gateway never parses frames.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RevisionBackend } from './backends.ts';
import { upstreamHeaders } from './forwarding-headers.ts';

export function spliceUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, backend: RevisionBackend, host: string, clientIp: string): void {
  const instance = backend.pick();
  if (!instance) {
    rejectUpgrade(client, 503, `no ready instance of revision ${backend.namespace}/${backend.name}\n`);
    return;
  }
  const startedAt = performance.now();
  instance.inFlight++;
  backend.counters.started(startedAt);
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    instance.inFlight--;
    instance.requests++;
    backend.counters.finished(performance.now(), status, startedAt);
  };

  const headers = upstreamHeaders(req.rawHeaders, host, clientIp);
  // The upgrade handshake headers are hop-by-hop, but here they are the point.
  headers.push('connection', 'upgrade', 'upgrade', req.headers.upgrade ?? 'websocket');
  let head_ = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head_ += `${headers[i]}: ${headers[i + 1]}\r\n`;
  head_ += '\r\n';

  const upstream: Socket = connect({ host: instance.endpoint.host, port: instance.endpoint.port });
  upstream.setNoDelay(true);
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    upstream.write(head_);
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => {
    if (!connected) rejectUpgrade(client, 502, `cannot connect to ${instance.address}\n`);
    else client.destroy();
    finish(connected ? 101 : 502);
  });
  client.on('error', () => upstream.destroy());
  upstream.on('close', () => { client.destroy(); finish(101); });
  client.on('close', () => { upstream.destroy(); finish(101); });
}

export function rejectUpgrade(client: Duplex, status: number, body: string): void {
  const reason = status === 404 ? 'Not Found' : status === 502 ? 'Bad Gateway' : 'Service Unavailable';
  if (!client.writable) {
    client.destroy();
    return;
  }
  client.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
