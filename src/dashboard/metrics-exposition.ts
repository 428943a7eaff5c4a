/**
 * The Prometheus exposition of what the control plane knows per revision, to serve next to the
 * gateway's data-path metrics (requests, latency, in-flight: src/gateway/metrics.ts): instances,
 * cold starts and the autoscaler's decisions. Names follow Knative's autoscaler metrics
 * (autoscaler_desired_pods, autoscaler_panic_mode, ...) under the `ksrv_` prefix.
 */
import type { AutoscalerView } from './sampler.ts';
import type { RevisionView } from './views.ts';

export interface ExpositionInput {
  revisions: Iterable<RevisionView>;
  autoscaler?: AutoscalerView;
  /** Per revision key (`namespace/name`). */
  coldStarts: ReadonlyMap<string, number>;
  /** Per revision key: decisions taken so far. */
  decisions: ReadonlyMap<string, number>;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labels(key: string): string {
  const slash = key.indexOf('/');
  return `namespace="${escapeLabel(key.slice(0, slash))}",revision="${escapeLabel(key.slice(slash + 1))}"`;
}

class Exposition {
  readonly lines: string[] = [];

  family(name: string, type: 'gauge' | 'counter', help: string, values: Iterable<[string, number | undefined | null]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [key, v] of values) if (typeof v === 'number' && Number.isFinite(v)) this.lines.push(`${name}{${labels(key)}} ${v}`);
  }
}

export function renderControlPlaneMetrics(input: ExpositionInput): string {
  const revs = [...input.revisions].map((r) => [`${r.namespace}/${r.name}`, r] as const);
  const out = new Exposition();
  out.family('ksrv_revision_ready_instances', 'gauge', 'Ready instances of the revision (status.actualReplicas).',
    revs.map(([k, r]) => [k, r.actualReplicas]));
  out.family('ksrv_revision_desired_instances', 'gauge', 'Instances the revision should run (status.desiredReplicas).',
    revs.map(([k, r]) => [k, r.desiredReplicas]));
  out.family('ksrv_revision_ready', 'gauge', '1 when the revision is Ready, else 0.',
    revs.map(([k, r]) => [k, r.ready === 'True' ? 1 : 0]));
  out.family('ksrv_revision_cold_starts_total', 'counter', 'Scale-ups of the revision from zero instances seen since ksrv started.',
    input.coldStarts.entries());

  const a = input.autoscaler;
  const keys = a ? a.keys().sort() : [];
  const status = keys.map((k) => [k, a!.status(k)] as const);
  const last = keys.map((k) => { const d = a!.decisions(k); return [k, d[d.length - 1]] as const; });
  const lastValid = keys.map((k) => [k, [...a!.decisions(k)].reverse().find((d) => d.valid)] as const);
  out.family('ksrv_autoscaler_decisions_total', 'counter', 'Decisions the autoscaler took for the revision since ksrv started (one per 2 s tick, plus pokes).',
    keys.map((k) => [k, input.decisions.get(k) ?? 0]));
  out.family('ksrv_autoscaler_desired_pods', 'gauge', 'Instances the last valid decision wanted.',
    lastValid.map(([k, d]) => [k, d?.desired]));
  out.family('ksrv_autoscaler_requested_pods', 'gauge', 'Instances the autoscaler asks the runtime for (after bounds and scale-to-zero rules).',
    status.map(([k, s]) => [k, s?.instances]));
  out.family('ksrv_autoscaler_actual_pods', 'gauge', 'Ready instances the autoscaler last saw.',
    status.map(([k, s]) => [k, s?.actualScale]));
  out.family('ksrv_autoscaler_stable_window_average', 'gauge', 'Average of the scaling metric (concurrency or rps) over the stable window at the last valid decision.',
    lastValid.map(([k, d]) => [k, d?.stable]));
  out.family('ksrv_autoscaler_panic_window_average', 'gauge', 'Average of the scaling metric over the panic window at the last valid decision.',
    lastValid.map(([k, d]) => [k, d?.panic]));
  out.family('ksrv_autoscaler_excess_burst_capacity', 'gauge', 'Excess burst capacity (negative: the gateway stays in the request path).',
    status.map(([k, s]) => [k, s?.excessBurstCapacity]));
  out.family('ksrv_autoscaler_panic_mode', 'gauge', '1 while the revision\'s decider is in panic mode, else 0.',
    status.map(([k, s]) => [k, s ? (s.panicking ? 1 : 0) : undefined]));
  out.family('ksrv_autoscaler_last_decision_timestamp_seconds', 'gauge', 'When the last decision was taken.',
    last.map(([k, d]) => [k, d ? d.atMs / 1000 : undefined]));
  return `${out.lines.join('\n')}\n`;
}
