// Long-running WebSocket codec fuzz campaign: random and mutated recorded frames into the Coinbase,
// Binance (frames and REST snapshots) and Alpaca decoders.
//   ./node_modules/.bin/node scripts/fuzz-ws.ts [cases=300000] [seed=42]
// Prints a summary line (JSON) and the outcome counts; exits 1 if anything but a typed TradestateError with
// an allowed code escaped, or a case took over a second.
import fc from 'fast-check';
import { ErrorCode, isTradestateError } from '../src/core/errors.ts';
import { makeInstrument } from '../src/core/instrument.ts';
import { InstrumentMap } from '../src/gateways/fix/app-messages.ts';
import { type AlpacaFrame, decodeAlpaca } from '../src/gateways/ws/alpaca.codec.ts';
import { decodeBinance, decodeBinanceSnapshot } from '../src/gateways/ws/binance.codec.ts';
import { decodeCoinbase } from '../src/gateways/ws/coinbase.codec.ts';
import { BINANCE, COINBASE, readRecording } from '../tests/gateways/recordings.ts';
import { reportFuzzRun } from './fuzz-report.ts';

const cases = Number(process.argv[2] ?? 300_000);
const seed = Number(process.argv[3] ?? 42);
const recv = (name: string, n: number): string[] =>
  readRecording(name)
    .flatMap((l) => (l.kind === 'recv' || l.kind === 'http' ? [l.json] : []))
    .slice(0, n);
const seeds = [
  ...recv('COINBASE.ws.28.0', 400),
  ...recv('BINANCE.ws.1.0', 200),
  ...recv('BINANCE_US.ws.1.0', 200),
  ...recv('BINANCE.http.0.0', 4),
  // documented Alpaca market-data frames (../shared/data/alpaca/MESSAGE_SHAPES.md)
  '[{"T":"t","S":"AAPL","i":96921,"x":"D","p":126.55,"s":1,"t":"2021-02-22T15:51:44.208Z","c":["@","I"],"z":"C"}]',
  '[{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"}]',
  '[{"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"n":461,"vw":389.062639,"t":"2021-02-22T19:15:00Z"}]',
  '[{"T":"success","msg":"authenticated"}]',
  '[{"T":"error","code":402,"msg":"auth failed"}]'
];
const ALPACA = new InstrumentMap(
  'ALPACA',
  ['AAPL', 'AMD', 'SPY'].map((symbol) =>
    makeInstrument({ symbol, venue: 'ALPACA', tickSize: '0.0001', lotSize: '1', currency: 'USD' })
  )
);
const allowed = new Set<string>([
  ErrorCode.WS_FRAME_INVALID,
  ErrorCode.NUMBER_INVALID,
  ErrorCode.PRICE_NOT_ON_TICK,
  ErrorCode.QTY_NOT_ON_LOT,
  ErrorCode.UNKNOWN_INSTRUMENT
]);
const mutate = (s: string) =>
  fc.oneof(
    fc.nat(s.length).map((n) => s.slice(0, n)),
    fc.tuple(fc.nat(s.length), fc.string({ maxLength: 8 })).map(([i, x]) => s.slice(0, i) + x + s.slice(i)),
    fc.tuple(fc.nat(s.length), fc.nat(16)).map(([i, n]) => s.slice(0, i) + s.slice(i + n)),
    fc
      .tuple(fc.nat(s.length), fc.constantFrom('0', '9', '-', '.', 'e', '"', '[', '{', 'null', '1e400'))
      .map(([i, x]) => s.slice(0, i) + x + s.slice(i + 1))
  );
const arb = fc.oneof(
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 4, arbitrary: fc.constantFrom(...seeds).chain(mutate) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...seeds)
      .chain(mutate)
      .chain(mutate)
  }
);
const decoders: [string, (t: string) => unknown][] = [
  ['coinbase', (t) => decodeCoinbase(t, COINBASE, 1, 0n)],
  ['binance', (t) => decodeBinance(t, BINANCE, 0n)],
  ['binance-snapshot', (t) => decodeBinanceSnapshot(t)],
  ['alpaca', (t) => decodeAlpaca(t, ALPACA, 0n)]
];
const outcomes = new Map<string, number>();
let failures = 0;
let slowest = 0;
const t0 = performance.now();
const batch = 20_000;
for (let done = 0; done < cases; done += batch) {
  const samples = fc.sample(arb, { numRuns: Math.min(batch, cases - done), seed: seed + done });
  for (const text of samples) {
    for (const [name, decode] of decoders) {
      const s = performance.now();
      let k = `${name}: ok`;
      try {
        const r = decode(text);
        // Alpaca refuses bad messages one by one and decodes the rest of the frame
        for (const e of name === 'alpaca' ? (r as AlpacaFrame).errors : []) {
          if (isTradestateError(e) && allowed.has(e.code)) k = `${name}: ${e.code} (message)`;
          else {
            failures++;
            k = `${name}: UNTYPED (message)`;
          }
        }
      } catch (e) {
        if (isTradestateError(e) && allowed.has(e.code)) k = `${name}: ${e.code}`;
        else {
          failures++;
          k = `${name}: UNTYPED`;
          if (failures <= 5) console.error('UNTYPED FAILURE', name, e, JSON.stringify(text).slice(0, 300));
        }
      }
      outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
      const d = performance.now() - s;
      if (d > slowest) slowest = d;
    }
  }
}
reportFuzzRun({ cases, seed, t0, slowestMs: slowest, failures, outcomes });
