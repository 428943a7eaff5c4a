/**
 * One network namespace per instance, joined to the host by a veth pair with a /30 carved out of a
 * private /16 that ksrv reserves (default 10.213.0.0/16, option `network.cidr`). Slot k of the /16
 * owns addresses base+4k .. base+4k+3: the host end of the veth is base+4k+1, the instance's eth0
 * is base+4k+2. The slot is claimed host-wide by creating the namespace `ksrv-<k>` (creation fails
 * when it exists), so several ksrv processes on one machine never hand out the same address.
 * Host veth names are `ksrvh<k>`; the peer is created directly inside the namespace as `eth0`, so
 * deleting the namespace deletes the pair.
 *
 * Egress: a default route via the host end is always set. Packets leave the host only when
 * `iptables` exists and `network.egress` is not false: ksrv then enables IPv4 forwarding and adds a
 * MASQUERADE rule for the /16. Without iptables, instances have no egress (they can still reach
 * host services listening on the host end of their veth, not those bound to 127.0.0.1).
 */
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { runCommand } from './run-command.ts';

export const DEFAULT_INSTANCE_CIDR = '10.213.0.0/16';
export const NETNS_PREFIX = 'ksrv-';
export const HOST_VETH_PREFIX = 'ksrvh';
const NETNS_DIR = '/run/netns';

export interface InstanceNetwork {
  slot: number;
  netns: string;
  /** Path to pass to `nsenter --net=`. */
  netnsPath: string;
  hostVeth: string;
  hostIp: string;
  instanceIp: string;
}

export function parseCidr16(cidr: string): number {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(cidr);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) throw new Error(`network.cidr must be a /16 like 10.213.0.0/16, got "${cidr}"`);
  return (Number(m[1]) << 24 >>> 0) + (Number(m[2]) << 16);
}

function ipString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function slotAddresses(base: number, slot: number): { hostIp: string; instanceIp: string } {
  return { hostIp: ipString(base + slot * 4 + 1), instanceIp: ipString(base + slot * 4 + 2) };
}

const SLOTS = 16384;

export class NetworkAllocator {
  private readonly base: number;
  private egressReady?: Promise<void>;

  constructor(private readonly ip: string, private readonly opts: { cidr: string; iptables?: string; egress: boolean; warn: (msg: string) => void }) {
    this.base = parseCidr16(opts.cidr);
  }

  async allocate(): Promise<InstanceNetwork> {
    if (this.opts.egress && this.opts.iptables) await (this.egressReady ??= this.enableEgress());
    const start = 1 + Math.floor(Math.random() * (SLOTS - 1));
    for (let i = 0; i < SLOTS - 1; i++) {
      const slot = 1 + ((start - 1 + i) % (SLOTS - 1));
      const netns = `${NETNS_PREFIX}${slot}`;
      try {
        await runCommand(this.ip, ['netns', 'add', netns]);
      } catch (err) {
        if (/File exists/i.test((err as Error).message)) continue;
        throw err;
      }
      const net: InstanceNetwork = { slot, netns, netnsPath: `${NETNS_DIR}/${netns}`, hostVeth: `${HOST_VETH_PREFIX}${slot}`, ...slotAddresses(this.base, slot) };
      try {
        await this.configure(net);
      } catch (err) {
        await this.release(net);
        throw err;
      }
      return net;
    }
    throw new Error(`no free instance address left in ${this.opts.cidr}`);
  }

  private async configure(net: InstanceNetwork): Promise<void> {
    await runCommand(this.ip, ['-batch', '-'], [
      `link add ${net.hostVeth} type veth peer name eth0 netns ${net.netns}`,
      `addr add ${net.hostIp}/30 dev ${net.hostVeth}`,
      `link set ${net.hostVeth} up`,
    ].join('\n') + '\n');
    await runCommand(this.ip, ['-n', net.netns, '-batch', '-'], [
      'link set lo up',
      `addr add ${net.instanceIp}/30 dev eth0`,
      'link set eth0 up',
      `route add default via ${net.hostIp}`,
    ].join('\n') + '\n');
  }

  /** Deleting the namespace destroys eth0 and with it the host end of the pair. */
  async release(net: Pick<InstanceNetwork, 'netns' | 'hostVeth'>): Promise<void> {
    await runCommand(this.ip, ['netns', 'del', net.netns]).catch(() => undefined);
    await runCommand(this.ip, ['link', 'del', net.hostVeth]).catch(() => undefined);
  }

  private async enableEgress(): Promise<void> {
    const ipt = this.opts.iptables!;
    const cidr = this.opts.cidr;
    try {
      await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
      const rules: string[][] = [
        ['-t', 'nat', 'POSTROUTING', '-s', cidr, '!', '-d', cidr, '-j', 'MASQUERADE'],
        ['-t', 'filter', 'FORWARD', '-s', cidr, '-j', 'ACCEPT'],
        ['-t', 'filter', 'FORWARD', '-d', cidr, '-j', 'ACCEPT'],
      ];
      for (const [t, table, chain, ...rule] of rules) {
        try { await runCommand(ipt, [t!, table!, '-C', chain!, ...rule]); } catch { await runCommand(ipt, [t!, table!, '-I', chain!, ...rule]); }
      }
    } catch (err) {
      this.opts.warn(`instances have no egress: ${(err as Error).message}`);
    }
  }
}

/**
 * Deletes `ksrv-<n>` namespaces no process uses any more (older than minAgeMs, so one another ksrv
 * is just setting up is left alone) and host veths `ksrvh<n>` whose namespace is gone.
 */
export async function sweepOrphanNetworks(ip: string, keep: Set<string>, minAgeMs: number): Promise<string[]> {
  const removed: string[] = [];
  const list = await runCommand(ip, ['netns', 'list']).catch(() => '');
  const names = new Set(list.split('\n').map((l) => l.split(' ')[0]!).filter((n) => /^ksrv-\d+$/.test(n)));
  for (const netns of names) {
    if (keep.has(netns)) continue;
    let age = Infinity;
    try { age = Date.now() - statSync(`${NETNS_DIR}/${netns}`).mtimeMs; } catch { /* listed but no file */ }
    if (age < minAgeMs) continue;
    const pids = await runCommand(ip, ['netns', 'pids', netns]).catch(() => 'unknown');
    if (pids.trim() !== '') continue;
    await runCommand(ip, ['netns', 'del', netns]).catch(() => undefined);
    names.delete(netns);
    removed.push(netns);
  }
  const links = await runCommand(ip, ['-o', 'link', 'show']).catch(() => '');
  for (const m of links.matchAll(/^\d+: (ksrvh(\d+))[@:]/gm)) {
    if (!names.has(`${NETNS_PREFIX}${m[2]}`)) {
      await runCommand(ip, ['link', 'del', m[1]!]).catch(() => undefined);
      removed.push(m[1]!);
    }
  }
  return removed;
}
