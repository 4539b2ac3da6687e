import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import { compileFixDictionary } from '../../src/gateways/fix/dictionary.ts';
import { FixEncoder } from '../../src/gateways/fix/encoder.ts';
import { FixFramer } from '../../src/gateways/fix/framer.ts';
import { parseFix, parseFixText } from '../../src/gateways/fix/parser.ts';
import { formatUtcTimestamp, parseUtcTimestamp } from '../../src/gateways/fix/time.ts';
import { validateFix } from '../../src/gateways/fix/validate.ts';
import { codeOf } from '../support/caught.ts';
import { sharedData } from '../support/shared-data.ts';
import { bar, build, dict, fixup, misc42Samples, soh } from './fix-support.ts';

describe('FIX 4.2 dictionary (../shared/data/fix/FIX42.xml)', () => {
  it('compiles 46 messages and 405 fields with header order, groups and raw-data pairs', () => {
    expect(dict.beginString).toBe('FIX.4.2');
    expect(dict.messages.size).toBe(46);
    expect(dict.fieldByName.size).toBe(405);
    expect(dict.header.order.slice(0, 5)).toEqual([8, 9, 35, 49, 56]);
    expect(dict.messages.get('D')!.required).toEqual(expect.arrayContaining([11, 21, 55, 54, 60, 40]));
    // NewOrderList (E) nests NoAllocs inside NoOrders
    const noOrders = dict.messages.get('E')!.groups.get(73)!;
    expect(noOrders.delimiter).toBe(11);
    expect(noOrders.groups.get(78)?.delimiter).toBe(79);
    expect(dict.dataTagOfLength[95]).toBe(96);
    expect(dict.dataTagOfLength[93]).toBe(89);
    expect(dict.fields[54]!.enums!.has('1')).toBe(true);
    expect(dict.fields[54]!.enums!.has('Z')).toBe(false);
  });

  it('rejects malformed XML with a typed error', () => {
    expect(codeOf(() => compileFixDictionary('<fix><messages></fix>'))).toBe(ErrorCode.DATA_INVALID);
    expect(codeOf(() => compileFixDictionary('<other/>'))).toBe(ErrorCode.DATA_INVALID);
  });
});

describe('parseFix on real traffic', () => {
  it('parses the FIX 4.2 samples; the two venue ExecutionReports carry wrong checksums', () => {
    const codes = misc42Samples().map((l) => codeOf(() => parseFixText(l)) ?? 'ok');
    expect(codes).toEqual([ErrorCode.FIX_CHECKSUM, ErrorCode.FIX_CHECKSUM, 'ok', 'ok']);
    const logon = parseFixText(misc42Samples()[2]!);
    expect(logon.msgType).toBe('A');
    expect(logon.getInt(108)).toBe(30);
    expect(validateFix(logon, dict)).toBeUndefined();
    // the PHLX ExecutionReport has no MsgSeqNum (34), required in the header
    expect(validateFix(parseFixText(misc42Samples()[3]!), dict)).toMatchObject({ reason: 1, refTagId: 34 });
  });

  it('agrees with every CheckSum/BodyLength verdict of the Binance FIX API examples', () => {
    const rows = readFileSync(
      sharedData('fix', 'samples', 'binance_fix_api', 'EXAMPLES_CHECKED.tsv'),
      'latin1'
    )
      .split('\n')
      .slice(1)
      .filter(Boolean);
    expect(rows.length).toBe(24);
    for (const row of rows) {
      const [, , cs, bl, msg] = row.split('\t');
      const expected = bl!.startsWith('BAD')
        ? ErrorCode.FIX_BODY_LENGTH
        : cs!.startsWith('BAD')
          ? ErrorCode.FIX_CHECKSUM
          : undefined;
      expect(
        codeOf(() => parseFixText(msg!)),
        msg
      ).toBe(expected);
    }
  });

  it('frames and parses the 46-message FIX 4.4 fixsim session', () => {
    const text = readFileSync(
      sharedData('fix', 'samples', 'jspurefix_examples', 'FIX44_fixsim.fix.txt'),
      'latin1'
    );
    const framer = new FixFramer();
    const items = framer.push(soh(text.replaceAll('\n', '')));
    expect(items.filter((i) => i.kind === 'frame').length).toBe(46);
    for (const i of items) if (i.kind === 'frame') parseFix(i.bytes);
  });

  it('reports missing required tags of the QuickFIX NewOrderSingle (TransactTime is required in 4.2)', () => {
    const text = readFileSync(
      sharedData(
        'fix',
        'samples',
        'jspurefix_examples',
        'FIX42_in_FIX43-folder_quickfix_new-order-single.fix.txt'
      ),
      'latin1'
    ).trim();
    expect(validateFix(parseFixText(text), dict)).toMatchObject({ reason: 1, refTagId: 60 });
  });
});

describe('parseFix rejects bad input with typed errors', () => {
  const good = 'A|49=CLI|56=SRV|34=1|52=20240102-03:04:05.678|98=0|108=30|';
  const msg = `8=FIX.4.2|9=0|35=${good}10=000|`;
  it('accepts the fixed-up message', () => {
    expect(parseFix(fixup(msg)).msgType).toBe('A');
  });
  it('checksum', () => {
    const b = fixup(msg);
    b[b.length - 2] = b[b.length - 2] === 48 ? 49 : 48;
    expect(codeOf(() => parseFix(b))).toBe(ErrorCode.FIX_CHECKSUM);
  });
  it('body length too short, too long, not a number', () => {
    const t = bar(fixup(msg));
    const len = Number(/\|9=(\d+)\|/.exec(t)![1]);
    expect(codeOf(() => parseFixText(t.replace(`9=${len}`, `9=${len - 1}`)))).toBe(ErrorCode.FIX_BODY_LENGTH);
    expect(codeOf(() => parseFixText(t.replace(`9=${len}`, `9=${len + 3}`)))).toBe(ErrorCode.FIX_BODY_LENGTH);
    expect(codeOf(() => parseFixText(t.replace(`9=${len}`, '9=x')))).toBe(ErrorCode.FIX_BODY_LENGTH);
  });
  it('an empty body (9=0) is no message, whatever was parsed before', () => {
    parseFix(build('0', [])); // a message whose third field is 35
    const head = '8=FIX.4.2|9=0|';
    const sum = [...Buffer.from(soh(head))].reduce((s, c) => s + c, 0) & 255;
    expect(codeOf(() => parseFix(soh(`${head}10=${String(sum).padStart(3, '0')}|`)))).toBe(
      ErrorCode.FIX_PARSE
    );
  });
  it('structure: no 8= first, 9 not second, 35 not third, bad tag, tag without =', () => {
    expect(codeOf(() => parseFix(fixup(`9=0|8=FIX.4.2|35=${good}10=000|`)))).toBe(ErrorCode.FIX_PARSE);
    expect(codeOf(() => parseFix(fixup(`8=FIX.4.2|35=A|9=0|${good.slice(2)}10=000|`)))).toBe(
      ErrorCode.FIX_PARSE
    );
    expect(codeOf(() => parseFix(fixup(`8=FIX.4.2|9=0|49=CLI|35=${good.slice(0, 1)}|10=000|`)))).toBe(
      ErrorCode.FIX_PARSE
    );
    expect(codeOf(() => parseFix(fixup(`8=FIX.4.2|9=0|35=${good}x1=2|10=000|`)))).toBe(ErrorCode.FIX_PARSE);
    expect(codeOf(() => parseFix(fixup(`8=FIX.4.2|9=0|35=${good}58|10=000|`)))).toBe(ErrorCode.FIX_PARSE);
  });
});

describe('raw data fields', () => {
  it('reads RawData by RawDataLength, SOH and = included, and encodes it back', () => {
    const secret = Buffer.from('a\x01b=c\x0110=123\x01', 'latin1');
    const e = new FixEncoder();
    e.begin('A')
      .str(49, 'CLI')
      .str(56, 'SRV')
      .int(34, 1)
      .str(52, '20240102-03:04:05.678')
      .int(98, 0)
      .int(108, 30);
    const bytes = e.data(95, 96, secret).finishCopy();
    const m = parseFix(bytes, 0, bytes.length, { dataTagOfLength: dict.dataTagOfLength });
    expect(Buffer.from(m.bytesAt(m.indexOf(96))).equals(secret)).toBe(true);
    expect(m.getInt(95)).toBe(secret.length);
    expect(validateFix(m, dict)).toBeUndefined();
    // a length that does not match the data is a parse error
    const t = bar(bytes).replace(`95=${secret.length}`, `95=${secret.length + 1}`);
    expect(codeOf(() => parseFix(fixup(t), 0, undefined, { dataTagOfLength: dict.dataTagOfLength }))).toBe(
      ErrorCode.FIX_PARSE
    );
  });
});

describe('FixEncoder', () => {
  it('writes header fields first, in standard order, with millisecond SendingTime and exact length and checksum', () => {
    const e = new FixEncoder();
    const b = e
      .begin('D')
      .str(49, 'CLI')
      .str(56, 'SRV')
      .int(34, 12)
      .time(52, 1_704_164_645_678_999_999n)
      .str(11, 'ord-1')
      .int(38, -5)
      .finishCopy();
    expect(bar(b)).toMatch(
      /^8=FIX\.4\.2\|9=\d+\|35=D\|49=CLI\|56=SRV\|34=12\|52=20240102-03:04:05\.678\|11=ord-1\|38=-5\|10=\d{3}\|$/
    );
    const m = parseFix(b);
    expect(m.toPairs().map(([t]) => t)).toEqual([8, 9, 35, 49, 56, 34, 52, 11, 38, 10]);
  });

  it('UTCTimestamp round-trips at millisecond precision and rejects impossible dates', () => {
    for (const ns of [0n, 951_782_400_123_000_000n, 4_102_444_799_999_000_000n]) {
      expect(parseUtcTimestamp(formatUtcTimestamp(ns))).toBe(ns);
    }
    expect(formatUtcTimestamp(1_709_164_800_000_000_000n)).toBe('20240229-00:00:00.000');
    expect(codeOf(() => parseUtcTimestamp('20230229-00:00:00'))).toBe(ErrorCode.FIX_VALIDATION);
    expect(codeOf(() => parseUtcTimestamp('20240101-24:00:00'))).toBe(ErrorCode.FIX_VALIDATION);
    expect(parseUtcTimestamp('20240101-00:00:00.123456789')).toBe(1_704_067_200_123_456_789n);
  });
});

describe('FixFramer', () => {
  const a = build('0', [], { seq: 1 });
  const b = build('1', [[112, 'T1']], { seq: 2 });
  const c = build('D', [[11, 'x']], { seq: 3 });
  const stream = Buffer.concat([a, b, c]);

  it('cuts several messages out of one read', () => {
    const items = new FixFramer().push(stream);
    expect(items.map((i) => (i.kind === 'frame' ? bar(i.bytes) : 'garbled'))).toEqual([
      bar(a),
      bar(b),
      bar(c)
    ]);
  });

  it('reassembles messages split at every byte boundary', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const f = new FixFramer();
      const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      expect(got.length).toBe(3);
      expect(f.pending).toBe(0);
    }
    const f = new FixFramer();
    const got = [];
    for (const byte of stream) got.push(...f.push(Uint8Array.of(byte)));
    expect(got.map((i) => i.kind)).toEqual(['frame', 'frame', 'frame']);
  });

  it('garbage not ending in SOH costs nothing after it, however the reads cut it', () => {
    const junk = Buffer.concat([Buffer.from('junk'), a, b]);
    for (let cut = 0; cut <= junk.length; cut++) {
      const f = new FixFramer();
      const got = [...f.push(junk.subarray(0, cut)), ...f.push(junk.subarray(cut))];
      expect(got.filter((i) => i.kind === 'frame').map((i) => i.kind === 'frame' && bar(i.bytes))).toEqual([
        bar(a),
        bar(b)
      ]);
    }
    // a message cut short, then two whole ones: both whole ones come through
    const cutShort = Buffer.concat([b.subarray(0, 30), a, c]);
    const frames = new FixFramer().push(cutShort).filter((i) => i.kind === 'frame');
    expect(frames.map((i) => i.kind === 'frame' && bar(i.bytes))).toEqual([bar(a), bar(c)]);
  });

  it('garbage ending in a message start right before a message costs nothing after it', () => {
    for (const tail of ['8=FIX', 'xx8=FI', '8=FIX.4.2junk', '\u00018=', '8=FIX8=FIX.4']) {
      const stream = Buffer.concat([Buffer.from(tail, 'latin1'), a, b]);
      for (let cut = 0; cut <= stream.length; cut++) {
        const f = new FixFramer();
        const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
        expect(got.filter((i) => i.kind === 'frame').map((i) => i.kind === 'frame' && bar(i.bytes))).toEqual([
          bar(a),
          bar(b)
        ]);
        expect(got.some((i) => i.kind === 'garbled')).toBe(true);
        expect(f.pending).toBe(0);
      }
    }
  });

  it('skips garbage and a message with a wrong BodyLength, then resynchronises', () => {
    const bad = soh(bar(b).replace(/\|9=(\d+)\|/, (_m, n) => `|9=${Number(n) + 5}|`));
    const items = new FixFramer().push(Buffer.concat([soh('junk|'), a, bad, c]));
    const kinds = items.map((i) => i.kind);
    expect(kinds.filter((k) => k === 'frame').length).toBe(2);
    expect(
      items
        .filter((i) => i.kind === 'garbled')
        .every((i) => i.kind === 'garbled' && i.error.code.startsWith('TRD_ERR_FIX'))
    ).toBe(true);
    expect(items.at(-1)!.kind === 'frame' && bar(items.at(-1)!.bytes)).toBe(bar(c));
  });
});

describe('validateFix: SessionRejectReason per problem', () => {
  const D = (extra: [number, string][] = [], drop: number[] = []): Uint8Array => {
    const body: [number, string][] = [
      [11, 'o1'],
      [21, '1'],
      [55, 'AAPL'],
      [54, '1'],
      [60, '20240102-03:04:05.678'],
      [38, '100'],
      [40, '2'],
      [44, '12.5'],
      ...extra
    ];
    return build(
      'D',
      body.filter(([t]) => !drop.includes(t))
    );
  };
  const v = (b: Uint8Array) => validateFix(parseFix(b), dict);

  it('accepts a valid NewOrderSingle', () => expect(v(D())).toBeUndefined());
  it('1 required tag missing', () => expect(v(D([], [60]))).toMatchObject({ reason: 1, refTagId: 60 }));
  it('0 invalid (unknown) tag', () =>
    expect(v(D([[9999, 'x']]))).toMatchObject({ reason: 0, refTagId: 9999 }));
  it('2 tag not defined for the message type', () =>
    expect(v(D([[112, 'x']]))).toMatchObject({ reason: 2, refTagId: 112 }));
  it('2 tag repeated', () => expect(v(D([[11, 'again']]))).toMatchObject({ reason: 2, refTagId: 11 }));
  it('4 tag without value', () => expect(v(D([[58, '']]))).toMatchObject({ reason: 4, refTagId: 58 }));
  it('5 value not in the enum', () => expect(v(D([[59, 'Z']]))).toMatchObject({ reason: 5, refTagId: 59 }));
  it('6 incorrect data format', () => {
    expect(v(D([[111, 'ten']]))).toMatchObject({ reason: 6, refTagId: 111 });
    expect(v(D([[126, '2024-01-02']]))).toMatchObject({ reason: 6, refTagId: 126 });
  });
  it('11 invalid MsgType', () => expect(v(build('ZZ', []))).toMatchObject({ reason: 11, refTagId: 35 }));
  it('1 required header tag missing', () => {
    const e = new FixEncoder();
    const b = e.begin('0').str(49, 'CLI').str(56, 'SRV').int(34, 1).finishCopy();
    expect(v(b)).toMatchObject({ reason: 1, refTagId: 52 });
  });
  it('repeating groups: counts must match instances, nested groups validated, required group fields', () => {
    const V = (groups: [number, string][]) => build('V', [[262, 'r1'], [263, '1'], [264, '1'], ...groups]);
    const ok: [number, string][] = [
      [267, '2'],
      [269, '0'],
      [269, '1'],
      [146, '1'],
      [55, 'AAPL']
    ];
    expect(v(V(ok))).toBeUndefined();
    expect(v(V([[267, '3'], ...ok.slice(1)]))).toMatchObject({ reason: 5, refTagId: 267 });
    expect(v(V([[267, '1'], ...ok.slice(1)]))).toMatchObject({ reason: 5, refTagId: 267 });
    expect(
      v(
        V([
          [267, '2'],
          [269, '0'],
          [269, 'Z'],
          [146, '1'],
          [55, 'A']
        ])
      )
    ).toMatchObject({ reason: 5, refTagId: 269 });
    expect(v(V(ok.slice(0, 3)))).toMatchObject({ reason: 1, refTagId: 146 });
    // nested: NewOrderList with NoOrders → NoAllocs
    const E = build('E', [
      [66, 'L1'],
      [394, '3'],
      [68, '1'],
      [73, '1'],
      [11, 'o1'],
      [67, '1'],
      [78, '2'],
      [79, 'acc1'],
      [80, '10'],
      [79, 'acc2'],
      [80, '20'],
      [55, 'AAPL'],
      [54, '1'],
      [40, '2']
    ] as [number, string][]);
    expect(v(E)).toBeUndefined();
  });
  it('header tag after the body is out of order', () => {
    expect(v(D([[115, 'X']]))).toMatchObject({ reason: 2, refTagId: 115 });
  });
  it('wrong BeginString', () => {
    expect(v(soh(bar(fixup(bar(D()).replace('FIX.4.2', 'FIX.4.4')))))).toMatchObject({
      reason: 5,
      refTagId: 8
    });
  });
});
