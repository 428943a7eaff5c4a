declare module 'parse-prometheus-text-format' {
  interface Metric { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }
  interface MetricFamily { name: string; help: string; type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'; metrics: Metric[] }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
