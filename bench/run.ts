// Benchmark runner: `npm run bench [-- SUITE ...]`. Each bench/<suite>.bench.ts exports `run(emit)`; every
// figure is printed as one JSON line:
// {"suite":"book","case":"add","impl":"tradestate","value":52.1,"unit":"ns/op"}
// Each suite runs in its own Node process, so one suite's heap, GC and JIT state never skew another's
// figures (peak RSS in particular).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

if (args[0] === '--child') {
  const suite = args[1]!;
  const mod = (await import(join(dir, `${suite}.bench.ts`))) as {
    run: (emit: (f: Figure) => void) => Promise<void>;
  };
  await mod.run((f) =>
    process.stdout.write(`${JSON.stringify({ ...f, value: Number(f.value.toPrecision(6)) })}\n`)
  );
} else {
  const wanted = args.filter((a) => !a.startsWith('-'));
  const suites = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
  const unknown = wanted.filter((w) => !suites.includes(w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; available: ${suites.join(', ')}\n`);
    process.exit(2);
  }
  let failed = 0;
  for (const suite of wanted.length > 0 ? wanted : suites) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', suite], {
      stdio: 'inherit'
    });
    if (r.status !== 0) {
      process.stderr.write(`bench suite ${suite} failed (exit ${r.status})\n`);
      failed++;
    }
  }
  process.exit(failed > 0 ? 1 : 0);
}
