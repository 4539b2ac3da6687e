import { readFileSync } from 'node:fs';
import { makeInstrument } from '../../src/core/instrument.ts';
import { InstrumentMap } from '../../src/gateways/fix/app-messages.ts';
import { sharedData } from '../support/shared-data.ts';

/** One line of a cryptofeed raw recording. */
export type RecLine =
  | { kind: 'open'; url: string }
  | { kind: 'sent'; json: string }
  | { kind: 'recv'; json: string }
  | { kind: 'http'; url: string; json: string };

export function readRecording(name: string): RecLine[] {
  const out: RecLine[] = [];
  for (const line of readFileSync(sharedData('l2book', 'recordings', name), 'utf8').split('\n')) {
    if (!line) continue;
    let m = /^(\S+) <-> [\d.]+$/.exec(line);
    if (m) {
      out.push({ kind: 'open', url: m[1]! });
      continue;
    }
    m = /^(wss?:\S+) <- [\d.]+: (.*)$/.exec(line);
    if (m) {
      out.push({ kind: 'sent', json: m[2]! });
      continue;
    }
    m = /^(https?:\S+) -> [\d.]+: (.*)$/.exec(line);
    if (m) {
      out.push({ kind: 'http', url: m[1]!, json: m[2]! });
      continue;
    }
    m = /^[\d.]+: (.*)$/.exec(line);
    if (m) out.push({ kind: 'recv', json: m[1]! });
  }
  return out;
}

/** Coinbase products whose tick × lot fits tradestate's 10^-8 money (the others stay unknown). */
export const COINBASE = new InstrumentMap(
  'COINBASE',
  [
    ['BAND-GBP', '0.0001', '0.01'],
    ['CRV-EUR', '0.0001', '0.01'],
    ['NMR-EUR', '0.0001', '0.001'],
    ['SKL-GBP', '0.0001', '0.1'],
    ['SKL-USD', '0.0001', '0.1']
  ].map(([symbol, tickSize, lotSize]) =>
    makeInstrument({
      symbol: symbol!,
      venue: 'COINBASE',
      tickSize: tickSize!,
      lotSize: lotSize!,
      currency: 'X'
    })
  )
);

export const BINANCE = new InstrumentMap(
  'BINANCE',
  [
    ['NKNUSDT', '0.00001', '0.1'],
    ['BLZETH', '0.00000001', '1'],
    ['LRCBTC', '0.00000001', '1'],
    ['RUNEEUR', '0.001', '0.01']
  ].map(([symbol, tickSize, lotSize]) =>
    makeInstrument({
      symbol: symbol!,
      venue: 'BINANCE',
      tickSize: tickSize!,
      lotSize: lotSize!,
      currency: 'X'
    })
  )
);
