// Benchmark runner: `npm run bench [-- SUITE ...]`. Each bench/<suite>.bench.ts exports
// `run(emit)`; every figure is printed as one JSON line:
// {"suite":"book","case":"add","impl":"tradestate","value":52.1,"unit":"ns/op"}
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const unknown = wanted.filter((w) => !suites.includes(w));
if (unknown.length > 0) {
  process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; available: ${suites.join(', ')}\n`);
  process.exit(2);
}
for (const suite of wanted.length > 0 ? wanted : suites) {
  const mod = (await import(join(dir, `${suite}.bench.ts`))) as {
    run: (emit: (f: Figure) => void) => Promise<void>;
  };
  await mod.run((f) =>
    process.stdout.write(`${JSON.stringify({ ...f, value: Number(f.value.toPrecision(6)) })}\n`)
  );
}
