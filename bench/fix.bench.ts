// FIX 4.2 codec: tradestate vs jspurefix on the same NewOrderSingle and ExecutionReport.
// parse = frame bytes → message view with BodyLength and CheckSum verified (both libraries);
// encode = fields/object → complete bytes with header (SendingTime formatted), BodyLength and CheckSum.
import { createRequire } from 'node:module';
import { encodeFields, FixEncoder, type FixField } from '../src/gateways/fix/encoder.ts';
import { parseFix } from '../src/gateways/fix/parser.ts';
import type { Figure } from './figure.ts';
import { nsPerOp } from './figure.ts';

const NOS: FixField[] = [
  [11, 'ORD-000123456'],
  [1, 'strat-momentum'],
  [21, '1'],
  [55, 'AAPL'],
  [54, '1'],
  [60, '20240102-14:30:00.123'],
  [38, '100'],
  [40, '2'],
  [44, '187.25'],
  [59, '0']
];

const ER: FixField[] = [
  [37, 'V-998877'],
  [11, 'ORD-000123456'],
  [17, 'EX-5551212'],
  [20, '0'],
  [150, '1'],
  [39, '1'],
  [55, 'AAPL'],
  [54, '1'],
  [38, '100'],
  [40, '2'],
  [44, '187.25'],
  [32, '40'],
  [31, '187.25'],
  [151, '60'],
  [14, '40'],
  [6, '187.25'],
  [60, '20240102-14:30:00.456'],
  [12, '0.4'],
  [13, '3']
];

const NOS_OBJ = {
  ClOrdID: 'ORD-000123456',
  Account: 'strat-momentum',
  HandlInst: '1',
  Symbol: 'AAPL',
  Side: '1',
  TransactTime: new Date(Date.UTC(2024, 0, 2, 14, 30, 0, 123)),
  OrderQty: 100,
  OrdType: '2',
  Price: 187.25,
  TimeInForce: '0'
};

const ER_OBJ = {
  OrderID: 'V-998877',
  ClOrdID: 'ORD-000123456',
  ExecID: 'EX-5551212',
  ExecTransType: '0',
  ExecType: '1',
  OrdStatus: '1',
  Symbol: 'AAPL',
  Side: '1',
  OrderQty: 100,
  OrdType: '2',
  Price: 187.25,
  LastShares: 40,
  LastPx: 187.25,
  LeavesQty: 60,
  CumQty: 40,
  AvgPx: 187.25,
  TransactTime: new Date(Date.UTC(2024, 0, 2, 14, 30, 0, 456)),
  Commission: 0.4,
  CommType: '3'
};

const T0 = 1_704_205_800_123_000_000n;

function encodeTs(enc: FixEncoder, msgType: string, body: readonly FixField[], seq: number): Uint8Array {
  enc
    .begin(msgType)
    .str(49, 'CLI')
    .str(56, 'SRV')
    .int(34, seq)
    .time(52, T0 + BigInt(seq) * 1_000_000n);
  return encodeFields(enc, body).finish();
}

interface JspurefixKit {
  parser(contents: string): { run: (ops: number) => number; per: number };
  transmitter(): {
    encodeMessage: (t: string, o: object) => unknown;
    encoder: { reset(): void; trim(): Uint8Array };
  };
}

async function jspurefixKit(): Promise<JspurefixKit> {
  const require = createRequire(import.meta.url);
  require('reflect-metadata');
  const jsp = require('jspurefix');
  const { ParseCase } = require('jspurefix/dist/benchmark/parse-bench.js');
  const { AsciiMsgTransmitter } = require('jspurefix/dist/transport/ascii/ascii-msg-transmitter.js');
  const sys = new jsp.SessionContainer();
  sys.registerGlobal('error');
  const container = await sys.makeSystem({
    application: {
      type: 'initiator',
      name: 'bench',
      tcp: { host: '127.0.0.1', port: 1 },
      protocol: 'ascii',
      dictionary: 'qf42'
    },
    Username: 'u',
    Password: 'p',
    EncryptMethod: 0,
    ResetSeqNumFlag: true,
    HeartBtInt: 30,
    SenderCompId: 'CLI',
    TargetCompID: 'SRV',
    BeginString: 'FIX.4.2',
    BodyLengthChars: 4
  });
  const config = container.resolve(jsp.DITokens.IJsFixConfig);
  return {
    parser(contents: string) {
      const c = new ParseCase('parse', { config, contents, depth: 'view' });
      c.setup();
      return { run: (ops: number) => c.run(ops), per: c.operationsPerInvocation };
    },
    transmitter: () => new AsciiMsgTransmitter(config)
  };
}

export async function run(emit: (f: Figure) => void): Promise<void> {
  const enc = new FixEncoder('FIX.4.2');
  const nosBytes = encodeTs(enc, 'D', NOS, 1).slice();
  const erBytes = encodeTs(enc, '8', ER, 2).slice();
  const N = 200_000;

  // ── tradestate ────────────────────────────────────────────────────
  let sink = 0;
  for (const [name, bytes] of [
    ['parse-nos', nosBytes],
    ['parse-er', erBytes]
  ] as const) {
    const v = nsPerOp(() => {
      sink += parseFix(bytes).count;
    }, N);
    emit({ suite: 'fix', case: name, impl: 'tradestate', value: v, unit: 'ns/op' });
  }
  let seq = 1;
  for (const [name, type, body] of [
    ['encode-nos', 'D', NOS],
    ['encode-er', '8', ER]
  ] as const) {
    const v = nsPerOp(() => {
      sink += encodeTs(enc, type, body, seq++).length;
    }, N);
    emit({ suite: 'fix', case: name, impl: 'tradestate', value: v, unit: 'ns/op' });
  }

  // ── jspurefix (same messages, FIX 4.2 QuickFIX dictionary) ────────
  const kit = await jspurefixKit();
  const BATCH = 100;
  for (const [name, bytes] of [
    ['parse-nos', nosBytes],
    ['parse-er', erBytes]
  ] as const) {
    const text = Buffer.from(bytes).toString('latin1').repeat(BATCH);
    const p = kit.parser(text);
    if (p.per !== BATCH) throw new Error(`jspurefix parsed ${p.per} of ${BATCH} messages`);
    const v = nsPerOp(
      () => {
        sink += p.run(BATCH);
      },
      Math.ceil(N / 20 / BATCH),
      5,
      50
    );
    emit({ suite: 'fix', case: name, impl: 'jspurefix', value: v / BATCH, unit: 'ns/op' });
  }
  const tx = kit.transmitter();
  for (const [name, type, obj] of [
    ['encode-nos', 'D', NOS_OBJ],
    ['encode-er', '8', ER_OBJ]
  ] as const) {
    // what jspurefix's own send path does per message: reset, encode header+body+trailer, trim
    const v = nsPerOp(() => {
      tx.encoder.reset();
      tx.encodeMessage(type, obj);
      sink += tx.encoder.trim().length;
    }, N / 20);
    emit({ suite: 'fix', case: name, impl: 'jspurefix', value: v, unit: 'ns/op' });
  }
  if (sink === 42) console.log('');
}
