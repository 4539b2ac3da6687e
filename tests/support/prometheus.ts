import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { until } from './until.ts';

/*
 * A real Prometheus server (Debian's `prometheus` package; CI installs it) scraping the targets a test gives
 * it, on loopback ports of its own, with its data in a temporary directory. Tests query its HTTP API, as
 * Grafana would.
 */

export interface Prometheus {
  readonly url: string;
  /** Run an instant query; returns the result vector (empty when nothing matches yet). */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** Start Prometheus scraping `targets` (`host:port`, path /metrics) every `intervalMs`. */
export async function startPrometheus(targets: readonly string[], intervalMs = 500): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'tradestate-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${intervalMs}ms`,
      `  scrape_timeout: ${intervalMs}ms`,
      'scrape_configs:',
      '  - job_name: tradestate',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      ''
    ].join('\n')
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn'
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const query: Prometheus['query'] = async (expr) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { result: never[] }; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus query ${expr}: ${body.error}`);
    return body.data.result;
  };
  let ready = false;
  const probe = (): void => {
    fetch(`${url}/-/ready`).then(
      (r) => {
        ready = r.ok;
      },
      () => {}
    );
  };
  const timer = setInterval(probe, 100);
  try {
    await until(() => ready || proc.exitCode !== null, 20_000, 'prometheus to be ready');
  } finally {
    clearInterval(timer);
  }
  if (!ready) throw new Error(`prometheus exited (${proc.exitCode}): ${stderr}`);
  return {
    url,
    query,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise<void>((r) => proc.once('exit', () => r()));
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
