/**
 * The routing table a Route programs (what Knative writes into an Ingress): one group per host
 * set, the default group for the route's own hosts and one per tag; each group splits traffic
 * over revisions by integer percent (0% splits are left out). The gateway implements the sink.
 */

export interface RouteSplit {
  revisionName: string;
  percent: number;
}

export interface RouteTableGroup {
  /** '' for the default (untagged) group. */
  tag: string;
  /** External host (absent for cluster-local routes) first, then the cluster-local names. */
  hosts: string[];
  splits: RouteSplit[];
}

export interface RouteTable {
  namespace: string;
  route: string;
  visibility: 'ExternalIP' | 'ClusterLocal';
  groups: RouteTableGroup[];
}

export interface RouteTableSink {
  /** routeKey is `namespace/name`. Called whenever the computed table may have changed. */
  update(routeKey: string, table: RouteTable): void;
  remove(routeKey: string): void;
}

export const noopRouteTableSink: RouteTableSink = { update() {}, remove() {} };

/** Remembers tables in a Map (tests, debugging). */
export class MemoryRouteTableSink implements RouteTableSink {
  readonly tables = new Map<string, RouteTable>();
  update(routeKey: string, table: RouteTable): void { this.tables.set(routeKey, table); }
  remove(routeKey: string): void { this.tables.delete(routeKey); }
}
