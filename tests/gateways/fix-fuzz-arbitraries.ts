import fc from 'fast-check';
import { isTradestateError } from '../../src/core/errors.ts';
import type { FixDictionary } from '../../src/gateways/fix/dictionary.ts';
import { FixEncoder, type FixField } from '../../src/gateways/fix/encoder.ts';
import { FixFramer } from '../../src/gateways/fix/framer.ts';
import { parseFix } from '../../src/gateways/fix/parser.ts';
import { encodeOutbound } from '../../src/gateways/fix/session.ts';
import { validateFix } from '../../src/gateways/fix/validate.ts';

const ENC = new FixEncoder();

/** Valid seeds: admin and application messages (one with raw data). */
export function seedMessages(): Uint8Array[] {
  const h = { senderCompId: 'CLI', targetCompId: 'SRV' };
  const t = 1_704_164_645_678_000_000n;
  const bodies: [string, FixField[]][] = [
    [
      'A',
      [
        [98, 0],
        [108, 30],
        [95, 5],
        [96, 'a\x01b=c'],
        [141, 'Y']
      ]
    ],
    ['0', [[112, 'PING']]],
    [
      '2',
      [
        [7, 3],
        [16, 0]
      ]
    ],
    [
      '4',
      [
        [123, 'Y'],
        [36, 9]
      ]
    ],
    [
      'D',
      [
        [11, 'o1'],
        [21, '1'],
        [55, 'AAPL'],
        [54, '1'],
        [60, '20240102-03:04:05.678'],
        [38, '100'],
        [40, '2'],
        [44, '12.50'],
        [59, '0']
      ]
    ],
    [
      '8',
      [
        [37, 'v1'],
        [11, 'o1'],
        [17, 'e1'],
        [20, '0'],
        [150, '1'],
        [39, '1'],
        [55, 'AAPL'],
        [54, '1'],
        [32, '10'],
        [31, '12.50'],
        [151, '90'],
        [14, '10'],
        [6, '12.50']
      ]
    ],
    [
      'V',
      [
        [262, 'r'],
        [263, '1'],
        [264, '1'],
        [267, [[[269, '0']], [[269, '1']]]],
        [146, [[[55, 'AAPL']]]]
      ]
    ],
    [
      'X',
      [
        [
          268,
          [
            [
              [279, '0'],
              [269, '0'],
              [55, 'AAPL'],
              [270, '1.5'],
              [271, '10']
            ],
            [
              [279, '2'],
              [269, '1'],
              [55, 'AAPL'],
              [270, '1.6']
            ]
          ]
        ]
      ]
    ]
  ];
  return bodies.map(([type, body], i) => encodeOutbound(ENC, h, type, i + 1, t, body));
}

/** A mutation of a byte string. */
export const mutationArb = (seed: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    // flip bytes
    fc
      .array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4
      })
      .map((flips) => {
        const b = seed.slice();
        for (const [i, v] of flips) b[i] = v;
        return b;
      }),
    // truncate
    fc.nat(seed.length - 1).map((n) => seed.slice(0, n)),
    // delete a slice
    fc
      .tuple(fc.nat(seed.length - 1), fc.integer({ min: 1, max: 12 }))
      .map(([i, n]) => Buffer.concat([seed.subarray(0, i), seed.subarray(i + n)])),
    // insert random bytes (SOH and '=' likely)
    fc
      .tuple(
        fc.nat(seed.length),
        fc
          .uint8Array({ minLength: 1, maxLength: 8 })
          .map((u) => u.map((x) => (x % 5 === 0 ? 1 : x % 7 === 0 ? 61 : x)))
      )
      .map(([i, ins]) => Buffer.concat([seed.subarray(0, i), ins, seed.subarray(i)])),
    // duplicate a slice (repeats fields, group instances)
    fc
      .tuple(fc.nat(seed.length - 1), fc.integer({ min: 1, max: 30 }))
      .map(([i, n]) => Buffer.concat([seed.subarray(0, i + n), seed.subarray(i)])),
    // digits changed in place (lengths, counts, seq numbers)
    fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 48, max: 57 })).map(([i, d]) => {
      const b = seed.slice();
      if (b[i]! >= 48 && b[i]! <= 57) b[i] = d;
      return b;
    })
  );

export const randomBytesArb = fc
  .uint8Array({ maxLength: 400 })
  .map((u) => u.map((x) => (x % 9 === 0 ? 1 : x)));

/** Result of one fuzz case: 'ok' or the error code. Throws if anything but a TradestateError escapes. */
export function fuzzOne(bytes: Uint8Array, dict: FixDictionary, chunk = 7): string[] {
  const out: string[] = [];
  // 1) direct parse + validate
  try {
    const m = parseFix(bytes, 0, bytes.length, { dataTagOfLength: dict.dataTagOfLength });
    const r = validateFix(m, dict);
    if (r && !(r.reason >= 0 && r.reason <= 11)) throw new Error(`reject reason out of range: ${r.reason}`);
    out.push(r ? `reject:${r.reason}` : 'ok');
  } catch (e) {
    if (!isTradestateError(e)) throw e;
    out.push(e.code);
  }
  // 2) through the framer, in chunks, twice in a row (resynchronisation)
  const framer = new FixFramer();
  const stream = Buffer.concat([bytes, bytes]);
  for (let i = 0; i < stream.length; i += chunk) {
    for (const it of framer.push(stream.subarray(i, i + chunk))) {
      if (it.kind === 'garbled') {
        if (!isTradestateError(it.error)) throw new Error('garbled without a typed error');
        out.push(`framer:${it.error.code}`);
        continue;
      }
      try {
        const m = parseFix(it.bytes, 0, it.bytes.length, { dataTagOfLength: dict.dataTagOfLength });
        validateFix(m, dict);
        out.push('framer:ok');
      } catch (e) {
        if (!isTradestateError(e)) throw e;
        out.push(`framer:${e.code}`);
      }
    }
  }
  if (framer.pending > stream.length) throw new Error('framer holds more than it was given');
  return out;
}
