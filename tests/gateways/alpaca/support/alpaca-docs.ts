import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDecimal } from '../../../../src/core/decimal.ts';
import { type Instrument, makeInstrument } from '../../../../src/core/instrument.ts';
import { InstrumentMap } from '../../../../src/gateways/fix/app-messages.ts';
import { sharedData } from '../../../support/shared-data.ts';

/** Venue of the test instruments. */
export const VENUE = 'ALPACA';

/**
 * Instruments for the documented examples: AAPL (cent ticks, whole shares), SOLUSD of the stream's fill
 * example (1e-7 ticks, 0.1 lots: tick × lot may not be finer than 1e-8 money units, so its 0.01-lot
 * quantities are off the lot, see {@link SOLUSD_DOC}) and ETH/USD of the 2026 crypto example.
 */
export const INSTRUMENTS = new InstrumentMap(
  VENUE,
  [
    ['AAPL', '0.01', '1'],
    ['SOLUSD', '0.0000001', '0.1'],
    ['ETH/USD', '0.01', '0.01']
  ].map(([symbol, tickSize, lotSize]) =>
    makeInstrument({ symbol: symbol!, venue: VENUE, tickSize: tickSize!, lotSize: lotSize!, currency: 'USD' })
  )
);
export const AAPL = INSTRUMENTS.bySymbol('AAPL');
export const SOLUSD = INSTRUMENTS.bySymbol('SOLUSD');

/**
 * SOLUSD with the precision the documented fill needs (1e-7 price, 0.01 quantity). makeInstrument refuses
 * that pair (1e-9 per tick × lot is finer than Money's 1e-8), so it is built by hand from the valid one; the
 * codec reads only `tick` and `lot`, which is all this instrument is for.
 */
export const SOLUSD_DOC: Instrument = {
  ...SOLUSD,
  lotSize: '0.01',
  lot: parseDecimal('0.01'),
  qtyDecimals: 2
};

const read = (...p: string[]): string => readFileSync(sharedData('alpaca', ...p), 'utf8');

/** Every fenced ```json block of a markdown file of ../shared/data/alpaca, parsed. */
export function jsonBlocks(...path: string[]): unknown[] {
  const text = read(...path);
  return [...text.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as unknown);
}

/**
 * The JSON objects written out in a page of the 2026 docs snapshot (plain text there, no fences: a `{` line,
 * then a `}` line), those that parse (examples cut short with `...` do not).
 */
export function snapshotPageObjects(page: string): Record<string, unknown>[] {
  const text = read('docs_alpaca_markets_2026_snapshot', `${page}.md`);
  return [...text.matchAll(/^\{\n[\s\S]*?^\}$/gm)].flatMap((m) => {
    try {
      return [JSON.parse(m[0]) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** The `example` of an entity YAML (entities/*.yaml), parsed (a trailing comma in the docs is tolerated). */
export function entityExample(name: string): unknown {
  const y = parseYaml(read('entities', `${name}.yaml`)) as { example: string };
  return JSON.parse(y.example.replace(/,(\s*[}\]])/g, '$1'));
}

interface Operation {
  requestBody?: {
    content: Record<
      string,
      {
        examples?: Record<string, { value: unknown }>;
        schema?: { properties?: Record<string, { example?: unknown }> };
      }
    >;
  };
  responses: Record<
    string,
    {
      content?: Record<
        string,
        {
          example?: unknown;
          examples?: Record<string, { value: unknown }>;
          schema?: { items?: { 'x-examples'?: Record<string, unknown> } };
        }
      >;
    }
  >;
}

/** The OpenAPI operation embedded in a page of the 2026 docs snapshot. */
export function snapshotOperation(page: string, path: string, method: string): Operation {
  const [spec] = jsonBlocks('docs_alpaca_markets_2026_snapshot', `${page}.md`) as [
    { paths: Record<string, Record<string, Operation>> }
  ];
  const op = spec.paths[path]?.[method];
  if (!op) throw new Error(`${page}: no ${method} ${path}`);
  return op;
}

/** Named examples of an operation's 200 answer (`examples`, else the single `example`). */
export function responseExamples(page: string, path: string, method: string): Record<string, unknown> {
  const c = snapshotOperation(page, path, method).responses['200']?.content?.['application/json'];
  if (c?.examples) return Object.fromEntries(Object.entries(c.examples).map(([k, v]) => [k, v.value]));
  if (c?.example !== undefined) return { example: c.example };
  throw new Error(`${page}: no 200 example`);
}

/** Named examples of an operation's request body. */
export function requestExamples(page: string, path: string, method: string): Record<string, unknown> {
  const ex = snapshotOperation(page, path, method).requestBody?.content['application/json']?.examples ?? {};
  return Object.fromEntries(Object.entries(ex).map(([k, v]) => [k, v.value]));
}

/** A request body made of the documented per-field examples of an operation's top-level properties. */
export function requestFieldExamples(page: string, path: string, method: string): Record<string, unknown> {
  const props =
    snapshotOperation(page, path, method).requestBody?.content['application/json']?.schema?.properties ?? {};
  return Object.fromEntries(
    Object.entries(props)
      .filter(([, v]) => v.example !== undefined)
      .map(([k, v]) => [k, v.example])
  );
}

/** The JSON blocks of the trading streaming doc, by what they are (the full fill example last). */
export function streamingDocFrames(): {
  listen: unknown;
  listening: unknown;
  authenticate: unknown;
  authorized: unknown;
  unauthorized: unknown;
  unauthorizedListen: unknown;
  fill: { stream: string; data: Record<string, unknown> };
} {
  const blocks = jsonBlocks('docs', 'api-references__trading-api__streaming.md') as Record<string, unknown>[];
  const find = (pred: (b: Record<string, unknown>) => boolean, what: string): Record<string, unknown> => {
    const b = blocks.find(pred);
    if (!b) throw new Error(`streaming doc: no ${what} block`);
    return b;
  };
  const data = (b: Record<string, unknown>): Record<string, unknown> => b['data'] as Record<string, unknown>;
  return {
    listen: find((b) => b['action'] === 'listen', 'listen'),
    listening: find((b) => b['stream'] === 'listening', 'listening'),
    authenticate: find((b) => b['action'] === 'authenticate', 'authenticate'),
    authorized: find(
      (b) => b['stream'] === 'authorization' && data(b)['status'] === 'authorized',
      'authorized'
    ),
    unauthorized: find(
      (b) =>
        b['stream'] === 'authorization' &&
        data(b)['status'] === 'unauthorized' &&
        data(b)['action'] === 'authenticate',
      'unauthorized'
    ),
    unauthorizedListen: find(
      (b) => b['stream'] === 'authorization' && data(b)['action'] === 'listen',
      'unauthorized listen'
    ),
    fill: find((b) => b['stream'] === 'trade_updates', 'trade_updates example') as {
      stream: string;
      data: Record<string, unknown>;
    }
  };
}

/** The streaming doc's event names (the bullet list items "- `event`: Sent when …"). */
export function documentedTradeEvents(): string[] {
  const text = read('docs', 'api-references__trading-api__streaming.md');
  return [...text.matchAll(/^- `([a-z_]+)`: Sent when/gm)].map((m) => m[1]!);
}

/** The order statuses of MESSAGE_SHAPES.md ("status enum (both specs): …"). */
export function documentedOrderStatuses(): string[] {
  const m = /status enum \(both specs\): ([a-z_, \n]+)\./.exec(read('MESSAGE_SHAPES.md'));
  if (!m) throw new Error('MESSAGE_SHAPES.md: no status enum');
  return m[1]!.split(',').map((s) => s.trim());
}

/** The execution id of the fill example as MESSAGE_SHAPES.md abbreviates it ("2f63ea93-..."). */
export function messageShapesFillExecPrefix(): string {
  const m = /execution_id:"([0-9a-f]+)-\.\.\."/.exec(read('MESSAGE_SHAPES.md'));
  if (!m) throw new Error('MESSAGE_SHAPES.md: no fill example');
  return m[1]!;
}
