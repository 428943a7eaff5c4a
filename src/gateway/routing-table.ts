/**
 * The gateway's routing table, programmed by the Route reconciler through `RouteTableSink`: a Map
 * from host to the traffic group it serves. Every update builds the route's new entries first and
 * then swaps them in within one synchronous step, so a request sees either the old or the new
 * table, never a mix; requests already dispatched keep the backend they picked.
 */
import type { RouteTable, RouteTableGroup, RouteTableSink } from '../reconciler/route/route-table.ts';
import type { RevisionBackend, RevisionBackends } from './backends.ts';
import { SmoothWeightedRoundRobin } from './wrr.ts';

/** One traffic group (a route's default split or one tag) with its own round-robin state. */
export class TrafficGroup {
  private readonly picker: SmoothWeightedRoundRobin | undefined;

  constructor(
    readonly namespace: string,
    readonly route: string,
    readonly tag: string,
    readonly backends: readonly RevisionBackend[],
    readonly percents: readonly number[],
  ) {
    this.picker = backends.length > 1 ? new SmoothWeightedRoundRobin(percents) : undefined;
  }

  /** The revision for the next request (undefined when the group routes nowhere). */
  pick(): RevisionBackend | undefined {
    return this.picker ? this.backends[this.picker.next()] : this.backends[0];
  }

  sameSplitAs(g: RouteTableGroup): boolean {
    const splits = effectiveSplits(g);
    return splits.length === this.backends.length
      && splits.every((s, i) => s.revisionName === this.backends[i]!.name && s.percent === this.percents[i]);
  }
}

/** What a host resolves to: its group and, on a route's main hosts, the groups of its tags. */
export interface HostRoute {
  group: TrafficGroup;
  /** Tag → group, for the Knative-Serving-Tag header (main hosts only). */
  tags?: Map<string, TrafficGroup>;
}

interface InstalledRoute {
  hosts: string[];
  groups: TrafficGroup[];
}

/** Splits with percent > 0; a group of one revision is 100 % (tag groups), as Knative forces it. */
function effectiveSplits(g: RouteTableGroup): { revisionName: string; percent: number }[] {
  const splits = g.splits.filter((s) => s.percent > 0);
  if (splits.length === 0 && g.splits.length > 0) return [{ revisionName: g.splits[0]!.revisionName, percent: 100 }];
  return splits;
}

export class RoutingTable implements RouteTableSink {
  private readonly hosts = new Map<string, HostRoute>();
  private readonly routes = new Map<string, InstalledRoute>();
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly backends: RevisionBackends) {}

  /** Resolves a host key (see hostKey) to its route. */
  lookup(host: string): HostRoute | undefined {
    return this.hosts.get(host);
  }

  /** Called after every change (tests wait on it instead of sleeping). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  update(routeKey: string, table: RouteTable): void {
    const previous = this.routes.get(routeKey);
    const groups = table.groups.map((g) => {
      // Keep the old group (and its round-robin position) when its split did not change.
      const same = previous?.groups.find((old) => old.tag === g.tag && old.sameSplitAs(g));
      if (same) return same;
      const splits = effectiveSplits(g);
      return new TrafficGroup(table.namespace, table.route, g.tag, splits.map((s) => this.backends.get(table.namespace, s.revisionName)), splits.map((s) => s.percent));
    });
    const main = groups.find((g) => g.tag === '');
    const tags = new Map(groups.filter((g) => g.tag !== '').map((g) => [g.tag, g]));
    const entries = new Map<string, HostRoute>();
    table.groups.forEach((g, i) => {
      const route: HostRoute = g.tag === '' && main ? { group: main, tags: tags.size ? tags : undefined } : { group: groups[i]! };
      for (const host of g.hosts) entries.set(host.toLowerCase(), route);
    });
    // The swap: no await between removing the old hosts and adding the new ones.
    if (previous) for (const h of previous.hosts) if (!entries.has(h)) this.deleteOwned(h, table.namespace, table.route);
    for (const [h, r] of entries) this.hosts.set(h, r);
    this.routes.set(routeKey, { hosts: [...entries.keys()], groups });
    for (const l of this.listeners) l();
  }

  remove(routeKey: string): void {
    const previous = this.routes.get(routeKey);
    if (!previous) return;
    const [namespace, name] = routeKey.split('/') as [string, string];
    for (const h of previous.hosts) this.deleteOwned(h, namespace, name);
    this.routes.delete(routeKey);
    for (const l of this.listeners) l();
  }

  /** Removes a host unless another route has claimed it meanwhile. */
  private deleteOwned(host: string, namespace: string, route: string): void {
    const current = this.hosts.get(host);
    if (current && current.group.namespace === namespace && current.group.route === route) this.hosts.delete(host);
  }

  /** Host → `namespace/route[:tag]`, for debugging and tests. */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [h, r] of this.hosts) out[h] = `${r.group.namespace}/${r.group.route}${r.group.tag ? `:${r.group.tag}` : ''}`;
    return out;
  }
}
