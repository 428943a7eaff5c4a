/**
 * Request headers sent upstream: the client's headers without hop-by-hop ones (and without HTTP/2
 * pseudo-headers), the original Host, and X-Forwarded-For/-Proto/-Host and Forwarded (RFC 7239)
 * extended with this hop. Returned as a flat [name, value, ...] list, which undici takes as is.
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus those the upstream client sets itself. */
const DROPPED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'trailer', 'upgrade', 'expect', 'host',
  'http2-settings', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'te',
]);

/** The client address without the IPv4-mapped IPv6 prefix. */
export function clientAddress(remote: string | undefined): string {
  if (!remote) return 'unknown';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

export function upstreamHeaders(rawHeaders: string[], host: string, client: string, proto: 'http' | 'https' = 'http'): string[] {
  const out: string[] = [];
  let xff: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  let forwarded: string | undefined;
  let connection: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.charCodeAt(0) === 58 /* : */) continue;
    const lower = name.toLowerCase();
    if (!DROPPED.has(lower)) {
      out.push(name, rawHeaders[i + 1]!);
      continue;
    }
    const value = rawHeaders[i + 1]!;
    switch (lower) {
      case 'x-forwarded-for': xff = xff ? `${xff}, ${value}` : value; break;
      case 'x-forwarded-proto': xfp ??= value; break;
      case 'x-forwarded-host': xfh ??= value; break;
      case 'forwarded': forwarded = forwarded ? `${forwarded}, ${value}` : value; break;
      // gRPC needs `te: trailers` end to end; other TE values are hop-by-hop.
      case 'te': if (value.trim().toLowerCase() === 'trailers') out.push('te', 'trailers'); break;
      case 'connection': connection = connection ? `${connection},${value}` : value; break;
    }
  }
  if (connection) dropConnectionListed(out, connection);
  const forValue = client.includes(':') ? `"[${client}]"` : client;
  const thisHop = `for=${forValue};host="${host}";proto=${proto}`;
  out.push(
    'host', host,
    'x-forwarded-for', xff ? `${xff}, ${client}` : client,
    'x-forwarded-proto', xfp ?? proto,
    'x-forwarded-host', xfh ?? host,
    'forwarded', forwarded ? `${forwarded}, ${thisHop}` : thisHop,
  );
  return out;
}

/** Removes headers that the client's Connection header declared hop-by-hop. */
function dropConnectionListed(headers: string[], connection: string): void {
  const listed = new Set(connection.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade'));
  if (listed.size === 0) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (listed.has(headers[i]!.toLowerCase())) headers.splice(i, 2);
  }
}

/** Response headers that must not be copied to the client (Node frames the body itself). */
export const RESPONSE_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);
