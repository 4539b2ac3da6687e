import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeInstrument } from '../../src/core/instrument.ts';
import { TradingMetrics } from '../../src/metrics/trading-metrics.ts';

const dir = new URL('../../docs/grafana/', import.meta.url);

interface Target {
  readonly expr?: string;
  readonly datasource?: { readonly uid?: string };
}
interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly Target[];
}

/** Every metric name a sample of TradingMetrics can expose (histograms with their series suffixes). */
async function registeredNames(): Promise<Set<string>> {
  const inst = makeInstrument({ symbol: 'A', venue: 'V', tickSize: '0.01', lotSize: '1', currency: 'USD' });
  const m = new TradingMetrics({ instruments: [inst] });
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

const metricNames = (expr: string): string[] => expr.match(/\btradestate_[a-zA-Z0-9_]+/g) ?? [];

describe('docs/grafana', () => {
  const dash = JSON.parse(readFileSync(new URL('tradestate-dashboard.json', dir), 'utf8')) as {
    schemaVersion: number;
    __inputs: { name: string; type: string; pluginId: string }[];
    panels: Panel[];
    templating: { list: { query: { query: string } }[] };
  };

  it('is a Grafana dashboard with a DS_PROMETHEUS input that every panel uses', () => {
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dash.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })
    );
    expect(dash.panels.length).toBeGreaterThanOrEqual(8);
    for (const p of dash.panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's import placeholder, not a template
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.expr, p.title).toMatch(/tradestate_/);
    }
  });

  it('names only metrics TradingMetrics registers, and shows each of them', async () => {
    const known = await registeredNames();
    const used = new Set<string>();
    const exprs = [
      ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr ?? ''] as const)),
      ...dash.templating.list.map((v) => ['variable', v.query.query] as const)
    ];
    for (const [title, expr] of exprs) {
      for (const name of metricNames(expr)) {
        expect(known.has(name), `${title}: ${name} in ${expr}`).toBe(true);
        used.add(name.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    for (const name of known) {
      if (/_(bucket|sum|count)$/.test(name)) continue;
      expect(used.has(name), `no panel shows ${name}`).toBe(true);
    }
  });

  it('latency panels take p50 and p99 of the histograms', () => {
    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    for (const h of ['tradestate_order_ack_seconds_bucket', 'tradestate_order_fill_seconds_bucket']) {
      for (const q of ['0.5', '0.99'])
        expect(exprs.some((e) => e.startsWith(`histogram_quantile(${q},`) && e.includes(h))).toBe(true);
    }
  });

  it('ships a Prometheus scrape config for localhost:9464', () => {
    const cfg = parse(readFileSync(new URL('prometheus.yml', dir), 'utf8')) as {
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const job = cfg.scrape_configs.find((j) => j.job_name === 'tradestate');
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.static_configs.flatMap((s) => s.targets)).toContain('localhost:9464');
  });
});
