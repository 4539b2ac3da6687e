import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { NS_PER_MIN } from '../src/core/nanos.ts';
import type { BarSource } from '../src/data/bar-source.ts';
import { mergeBarSources } from '../src/data/merge.ts';
import { nyseSessionUtc, nyseTradingDays } from '../src/data/nyse-calendar.ts';
import { ParquetStore } from '../src/data/store.ts';
import { parseTimeframe } from '../src/data/timeframe.ts';
import type { Bar } from '../src/messages/market-data.ts';
import { ReplayClock } from '../src/replay/replay-clock.ts';

type Emit = (fig: { suite: string; case: string; impl: string; value: number; unit: string }) => void;

const SYMBOLS = Array.from({ length: 10 }, (_, i) => `SYM${String(i).padStart(2, '0')}`);

/**
 * Write one NYSE year (2024: 252 sessions × 390 minutes) of 1-minute bars for 10 symbols, ~983k rows,
 * into the store's month partitions, generated inside DuckDB (the load is what is measured, not this).
 */
async function buildYear(store: ParquetStore): Promise<number> {
  const days = nyseTradingDays('2024-01-01', '2024-12-31');
  const opens: bigint[] = [];
  for (const d of days) {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    const s = nyseSessionUtc(y, m, dd);
    for (let t = s.open; t < s.close; t += NS_PER_MIN) opens.push(t);
  }
  await store.sql('CREATE OR REPLACE TABLE minutes (ts_open BIGINT, i BIGINT)');
  // insert through VALUES in chunks (a one-off setup)
  for (let k = 0; k < opens.length; k += 10_000) {
    const rows = opens
      .slice(k, k + 10_000)
      .map((t, j) => `(${t}, ${k + j})`)
      .join(',');
    await store.sql(`INSERT INTO minutes VALUES ${rows}`);
  }
  for (const [si, sym] of SYMBOLS.entries()) {
    store.putSymbolMeta({
      symbol: sym,
      venue: 'BENCH',
      tickSize: '0.01',
      lotSize: '1',
      currency: 'USD',
      calendar: 'nyse'
    });
    for (let m = 1; m <= 12; m++) {
      const key = `month=2024-${String(m).padStart(2, '0')}`;
      const file = store.partitionFile('bars_1m', sym, key);
      const lo = BigInt(Date.UTC(2024, m - 1, 1)) * 1_000_000n;
      const hi = BigInt(Date.UTC(2024, m, 1)) * 1_000_000n;
      mkdirSync(dirname(file), { recursive: true });
      await store.sql(
        `COPY (SELECT ts_open, ts_open + 60000000000 AS ts_event,
                 10000 + ((i * 7919 + ${si * 131}) % 500) AS open,
                 10000 + ((i * 7919 + ${si * 131}) % 500) + 7 AS high,
                 10000 + ((i * 7919 + ${si * 131}) % 500) - 6 AS low,
                 10000 + ((i * 7919 + ${si * 131}) % 500) + 2 AS close,
                 (i * 31 + ${si}) % 5000 AS volume, 0::UTINYINT AS flags
               FROM minutes WHERE ts_open >= ${lo} AND ts_open < ${hi} ORDER BY ts_open)
         TO '${file}' (FORMAT parquet, COMPRESSION zstd)`
      );
    }
  }
  return opens.length * SYMBOLS.length;
}

/** Cold-cache load of the whole year for all symbols into typed-array columns; ms. */
async function loadYear(root: string): Promise<{ ms: number; rows: number }> {
  const store = await ParquetStore.open(root);
  try {
    const tf = parseTimeframe('1m');
    const t0 = performance.now();
    let rows = 0;
    for (const c of (await store.loadBarsMany(SYMBOLS, tf)).values()) rows += c.length;
    return { ms: performance.now() - t0, rows };
  } finally {
    store.close();
  }
}

/** `n` synthetic 1-minute bars over `k` symbols, generated lazily in batches (never held at once). */
function synthetic(n: number, k: number): BarSource[] {
  const per = Math.ceil(n / k);
  return Array.from({ length: k }, (_, s) => {
    const id = `S${String(s).padStart(3, '0')}@SYN`;
    return (async function* (): BarSource {
      let px = 10_000;
      // timestamps advance by addition, and a bar's open is the previous bar's close: one bigint per bar
      let t = 1_704_205_800_000_000_000n;
      for (let i = 0; i < per; i += 2048) {
        const m = Math.min(2048, per - i);
        const batch: Bar[] = new Array(m);
        for (let j = 0; j < m; j++) {
          const open = t;
          t += NS_PER_MIN;
          px += ((i + j) * 2_654_435_761 + s) % 7 === 0 ? 1 : -1 + (((i + j) & 3) === 0 ? 2 : 0);
          batch[j] = {
            type: 'market.bar',
            instrumentId: id,
            tsOpen: open,
            tsEvent: t,
            tsInit: t,
            open: px,
            high: px + 2,
            low: px - 2,
            close: px,
            volume: 100
          };
        }
        yield batch;
      }
    })();
  });
}

/** Stream `n` rows through merge + replay clock (fast-forward); peak RSS sampled during the run, MB. */
async function streamRss(n: number): Promise<{ peakMb: number; seconds: number; delivered: number }> {
  const replay = new ReplayClock(mergeBarSources(synthetic(n, 10), { batchSize: 4096 }));
  let peak = process.memoryUsage.rss();
  let spaces = '';
  let events = 0;
  let volume = 0;
  replay.subscribe((ev) => {
    if (ev.kind !== 'bars') return;
    for (const b of ev.bars) volume += b.volume;
    if (++events % 20_000 === 0) {
      const r = process.memoryUsage.rss();
      if (r > peak) {
        peak = r;
        if (process.env.TRADESTATE_BENCH_VERBOSE) {
          spaces = v8
            .getHeapSpaceStatistics()
            .filter((x) => x.space_size > 1 << 20)
            .map((x) => `${x.space_name} ${Math.round(x.space_size / 1048576)}`)
            .join(', ');
          spaces += ` | ${readFileSync('/proc/self/status', 'utf8')
            .split('\n')
            .filter((l: string) => /^Rss/.test(l))
            .join(' ')
            .replace(/\s+/g, ' ')}`;
        }
      }
    }
  });
  const t0 = performance.now();
  await replay.run();
  const r = process.memoryUsage.rss();
  if (r > peak) peak = r;
  if (volume !== replay.delivered * 100) throw new Error('bench: lost bars');
  if (process.env.TRADESTATE_BENCH_VERBOSE)
    console.error(`stream peak RSS ${Math.round(peak / 1048576)} MB; heap spaces at peak (MB): ${spaces}`);
  return {
    peakMb: peak / (1024 * 1024),
    seconds: (performance.now() - t0) / 1000,
    delivered: replay.delivered
  };
}

export async function run(emit: Emit): Promise<void> {
  // streaming first: its figure is the peak RSS of the process, so it must not inherit the load's heap
  const n = Number(process.env.TRADESTATE_BENCH_STREAM_ROWS ?? 50_000_000);
  const s = await streamRss(n);
  if (s.delivered !== n) throw new Error(`bench: streamed ${s.delivered} of ${n} rows`);
  // the case names the rows streamed: `stream-50m-*` by default, `stream-<N>-*` for a shorter run
  const rows = n === 50_000_000 ? '50m' : String(n);
  emit({ suite: 'data', case: `stream-${rows}-rss`, impl: 'tradestate', value: round(s.peakMb), unit: 'MB' });
  emit({
    suite: 'data',
    case: `stream-${rows}-seconds`,
    impl: 'tradestate',
    value: round(s.seconds),
    unit: 's'
  });
  const root = mkdtempSync(join(tmpdir(), 'tradestate-bench-'));
  try {
    const store = await ParquetStore.open(root);
    const rows = await buildYear(store);
    store.close();
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await loadYear(root);
      if (r.rows !== rows) throw new Error(`bench: loaded ${r.rows} of ${rows} rows`);
      times.push(r.ms);
    }
    if (process.env.TRADESTATE_BENCH_VERBOSE)
      console.error('load-1y-10sym runs (ms):', times.map(round).join(' '));
    const first = times[0]!;
    const warm = times.slice(1).sort((a, b) => a - b);
    // median of 7 loads after one warm-up, each into a fresh store (empty cache; the OS page cache is warm)
    emit({ suite: 'data', case: 'load-1y-10sym', impl: 'tradestate', value: round(warm[3]!), unit: 'ms' });
    // the very first load of the process (JIT and DuckDB cold), for honesty
    emit({ suite: 'data', case: 'load-1y-10sym-first', impl: 'tradestate', value: round(first), unit: 'ms' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run((f) => console.log(JSON.stringify(f)));
}
