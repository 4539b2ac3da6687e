// Long-running FIX fuzz campaign: random and mutated messages into the parser, the validator and the framer.
//   ./node_modules/.bin/node scripts/fuzz-fix.ts [cases=300000] [seed=42]
// Prints a summary of outcomes; exits 1 if anything but a typed TradestateError escaped, or a case hung.
import fc from 'fast-check';
import { loadFixDictionary } from '../src/gateways/fix/dictionary.ts';
import {
  fuzzOne,
  mutationArb,
  randomBytesArb,
  seedMessages
} from '../tests/gateways/fix-fuzz-arbitraries.ts';
import { sharedData } from '../tests/support/shared-data.ts';
import { reportFuzzRun } from './fuzz-report.ts';

const cases = Number(process.argv[2] ?? 300_000);
const seed = Number(process.argv[3] ?? 42);
const dict = loadFixDictionary(sharedData('fix', 'FIX42.xml'));
const seeds = seedMessages();
const outcomes = new Map<string, number>();
let failures = 0;
let slowest = 0;
const t0 = performance.now();

const arb = fc.oneof(
  { weight: 1, arbitrary: randomBytesArb },
  { weight: 3, arbitrary: fc.constantFrom(...seeds).chain((s) => mutationArb(s)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...seeds)
      .chain((s) => mutationArb(s).chain((m) => mutationArb(m.length > 0 ? m : s)))
  }
);
const samples = fc.sample(fc.tuple(arb, fc.integer({ min: 1, max: 128 })), { numRuns: cases, seed });
for (const [bytes, chunk] of samples) {
  const s = performance.now();
  try {
    for (const r of fuzzOne(bytes, dict, chunk)) outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
  } catch (e) {
    failures++;
    if (failures <= 5)
      console.error('UNTYPED FAILURE', e, Buffer.from(bytes).toString('latin1').replaceAll('\x01', '|'));
  }
  const d = performance.now() - s;
  if (d > slowest) slowest = d;
}
reportFuzzRun({ cases, seed, t0, slowestMs: slowest, failures, outcomes });
