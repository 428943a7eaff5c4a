/** Parsing of HOST:PORT flags; ksrv only ever binds to loopback or addresses it was told to. */

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(value: string, flag: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new Error(`${flag}: expected HOST:PORT (e.g. 127.0.0.1:6443), got "${value}"`);
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`${flag}: port ${port} is out of range 0-65535`);
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
