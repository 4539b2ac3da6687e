import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError, type TradestateError } from '../../src/core/errors.ts';
import {
  encodeCommand,
  isRespError,
  RESP_MAX_ARRAY_LENGTH,
  RESP_MAX_BULK_LENGTH,
  RESP_MAX_DEPTH,
  RespDecoder,
  type RespReply,
  type RespValue
} from '../../src/net/resp.codec.ts';
import { caught } from '../support/caught.ts';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Decode `input` pushed as the given chunks (cut at `cuts`, sorted offsets). */
function decodeChunked(input: Buffer, cuts: readonly number[] = []): RespReply[] {
  const d = new RespDecoder();
  const out: RespReply[] = [];
  let from = 0;
  for (const c of [...cuts, input.length]) {
    out.push(...d.push(input.subarray(from, c)));
    from = c;
  }
  expect(d.pending).toBe(0);
  return out;
}

function decodeAll(s: string | Buffer): RespReply[] {
  return decodeChunked(typeof s === 'string' ? bytes(s) : s);
}

// Replies as the RESP2 spec shows them (redis.io/docs/latest/develop/reference/protocol-spec)
const RECORDED: readonly [string, RespReply][] = [
  ['+OK\r\n', 'OK'],
  ['+PONG\r\n', 'PONG'],
  ["-ERR unknown command 'FOO'\r\n", { error: "ERR unknown command 'FOO'" }],
  [
    '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
    {
      error: 'WRONGTYPE Operation against a key holding the wrong kind of value'
    }
  ],
  [':1000\r\n', 1000],
  [':0\r\n', 0],
  [':-42\r\n', -42],
  ['$5\r\nhello\r\n', 'hello'],
  ['$0\r\n\r\n', ''],
  ['$-1\r\n', null],
  ['$4\r\na\r\nb\r\n', 'a\r\nb'],
  ['$12\r\nvärde ✓é\r\n', 'värde ✓é'],
  ['$4\r\n🚀\r\n', '🚀'],
  ['*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n', ['foo', 'bar']],
  ['*0\r\n', []],
  ['*-1\r\n', null],
  ['*3\r\n:1\r\n:2\r\n:3\r\n', [1, 2, 3]],
  ['*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n$5\r\nhello\r\n', [1, 2, 3, 4, 'hello']],
  ['*3\r\n$3\r\nfoo\r\n$-1\r\n$3\r\nbar\r\n', ['foo', null, 'bar']],
  ['*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n', { error: 'World' }],
  [
    '*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n+World\r\n',
    [
      [1, 2, 3],
      ['Hello', 'World']
    ]
  ],
  ['*2\r\n$4\r\nlist\r\n$1\r\nx\r\n', ['list', 'x']],
  ['*2\r\n*0\r\n*1\r\n*-1\r\n', [[], [null]]]
];

describe('RespDecoder on recorded replies', () => {
  it.each(RECORDED)('decodes %j', (wire, value) => {
    expect(decodeAll(wire)).toEqual([value]);
  });

  it('decodes all of them back to back, split at every position and byte by byte', () => {
    const stream = bytes(RECORDED.map(([w]) => w).join(''));
    const want = RECORDED.map(([, v]) => v);
    expect(decodeChunked(stream)).toEqual(want);
    for (let i = 0; i <= stream.length; i++) expect(decodeChunked(stream, [i])).toEqual(want);
    expect(
      decodeChunked(
        stream,
        Array.from({ length: stream.length }, (_, i) => i)
      )
    ).toEqual(want);
  });

  it('keeps a partial reply buffered until it completes', () => {
    const d = new RespDecoder();
    expect(d.push(bytes('*2\r\n$3\r\nfo'))).toEqual([]);
    expect(d.pending).toBe(10);
    expect(d.push(bytes('o\r\n:7'))).toEqual([]);
    expect(d.push(bytes('\r'))).toEqual([]);
    expect(d.pending).toBe(16);
    expect(d.push(bytes('\n+OK\r\n$2'))).toEqual([['foo', 7], 'OK']);
    expect(d.pending).toBe(2);
    expect(d.push(bytes('\r\nhi\r\n'))).toEqual(['hi']);
    expect(d.pending).toBe(0);
  });

  it('accepts any Uint8Array, not only Buffers', () => {
    const d = new RespDecoder();
    const u = new Uint8Array([...bytes('xx:5\r\n')]).subarray(2);
    expect(d.push(u)).toEqual([5]);
  });
});

type Tree =
  | { readonly k: 'simple'; readonly s: string }
  | { readonly k: 'error'; readonly s: string }
  | { readonly k: 'int'; readonly n: number }
  | { readonly k: 'bulk'; readonly s: string }
  | { readonly k: 'nullBulk' }
  | { readonly k: 'nullArray' }
  | { readonly k: 'array'; readonly items: readonly Tree[] };

/** The test's own RESP reply encoder. */
function encodeReply(t: Tree): string {
  switch (t.k) {
    case 'simple':
      return `+${t.s}\r\n`;
    case 'error':
      return `-${t.s}\r\n`;
    case 'int':
      return `:${t.n}\r\n`;
    case 'bulk':
      return `$${Buffer.byteLength(t.s)}\r\n${t.s}\r\n`;
    case 'nullBulk':
      return '$-1\r\n';
    case 'nullArray':
      return '*-1\r\n';
    case 'array':
      return `*${t.items.length}\r\n${t.items.map(encodeReply).join('')}`;
  }
}

/** What the decoder yields: an array holding an error (at any depth) is its first error. */
function expected(t: Tree): RespReply {
  switch (t.k) {
    case 'simple':
    case 'bulk':
      return t.s;
    case 'error':
      return { error: t.s };
    case 'int':
      return t.n;
    case 'nullBulk':
    case 'nullArray':
      return null;
    case 'array': {
      const items = t.items.map(expected);
      const error = items.find(isRespError);
      return error ?? (items as RespValue[]);
    }
  }
}

const lineText = fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    lineText.map((s): Tree => ({ k: 'simple', s })),
    lineText.map((s): Tree => ({ k: 'error', s })),
    fc.maxSafeInteger().map((n): Tree => ({ k: 'int', n })),
    fc.string({ unit: 'binary', maxLength: 40 }).map((s): Tree => ({ k: 'bulk', s })),
    fc.constant<Tree>({ k: 'nullBulk' }),
    fc.constant<Tree>({ k: 'nullArray' }),
    fc.array(tie('tree'), { maxLength: 5 }).map((items): Tree => ({ k: 'array', items }))
  )
}));

/** Cut points (sorted, within `[0, n]`) drawn as fractions. */
const cutsOf = (n: number, fractions: readonly number[]): number[] =>
  [...new Set(fractions.map((f) => Math.floor(f * (n + 1))))].filter((c) => c <= n).sort((a, b) => a - b);

describe('RespDecoder properties', () => {
  it('decodes encoded reply trees identically however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(tree, { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 12 }),
        (trees, fractions) => {
          const wire = bytes(trees.map(encodeReply).join(''));
          const want = trees.map(expected);
          expect(decodeChunked(wire)).toEqual(want);
          expect(decodeChunked(wire, cutsOf(wire.length, fractions))).toEqual(want);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('decodes a reply split at every single position', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const wire = bytes(encodeReply(t));
        const want = [expected(t)];
        for (let i = 0; i <= wire.length; i++) expect(decodeChunked(wire, [i])).toEqual(want);
      }),
      { numRuns: 100 }
    );
  });

  it('on arbitrary bytes, either decodes or throws TRD_ERR_REDIS_PROTOCOL, never anything else', () => {
    const respish = fc.oneof(
      fc.constantFrom(...bytes('+-:$*\r\n0123456789-')),
      fc.integer({ min: 0, max: 255 })
    );
    fc.assert(
      fc.property(
        fc.array(respish, { maxLength: 120 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 6 }),
        (arr, fractions) => {
          const input = Buffer.from(arr);
          const d = new RespDecoder();
          let from = 0;
          try {
            for (const c of [...cutsOf(input.length, fractions), input.length]) {
              d.push(input.subarray(from, c));
              from = c;
            }
          } catch (e) {
            expect(isTradestateError(e, 'TRD_ERR_REDIS_PROTOCOL'), String(e)).toBe(true);
            // once failed, it stays failed
            expect(() => d.push(bytes('+OK\r\n'))).toThrow(e as Error);
          }
        }
      ),
      { numRuns: 2000 }
    );
  });

  it('on mutated valid replies, either decodes or throws TRD_ERR_REDIS_PROTOCOL', () => {
    fc.assert(
      fc.property(
        tree,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), {
          minLength: 1,
          maxLength: 4
        }),
        (t, edits) => {
          const wire = [...bytes(encodeReply(t))];
          for (const [at, b, insert] of edits) {
            const i = at % (wire.length + 1);
            if (insert) wire.splice(i, 0, b);
            else wire[i % wire.length] = b;
          }
          try {
            new RespDecoder().push(Buffer.from(wire));
          } catch (e) {
            expect(isTradestateError(e, 'TRD_ERR_REDIS_PROTOCOL'), String(e)).toBe(true);
          }
        }
      ),
      { numRuns: 1000 }
    );
  });
});

/** What decoding `input` pushed in chunks cut at `cuts` gives: every reply handed over, then the failure. */
function outcome(input: Buffer, cuts: readonly number[]): { replies: RespReply[]; error?: unknown } {
  const d = new RespDecoder();
  const replies: RespReply[] = [];
  let from = 0;
  try {
    for (const c of [...cuts, input.length]) {
      replies.push(...d.push(input.subarray(from, c)));
      from = c;
    }
  } catch (e) {
    expect(isTradestateError(e, 'TRD_ERR_REDIS_PROTOCOL'), String(e)).toBe(true);
    const err = e as TradestateError;
    // once failed, it stays failed, with nothing more to hand over
    expect(d.failure).toBe(err);
    expect(caught(() => d.push(bytes('+OK\r\n')))).toBe(err);
    return { replies, error: { code: err.code, context: err.context } };
  }
  // a failure met after replies it handed over is raised by the next push
  if (d.failure) {
    expect(caught(() => d.push(bytes('+OK\r\n')))).toBe(d.failure);
    return { replies, error: { code: d.failure.code, context: d.failure.context } };
  }
  return { replies };
}

describe('RespDecoder on malformed streams, however they are chunked', () => {
  it('hands over the replies completed before the bad bytes of the same chunk', () => {
    const d = new RespDecoder();
    expect(d.push(bytes('+OK\r\n:7\r\n!'))).toEqual(['OK', 7]);
    expect(d.failure?.code).toBe('TRD_ERR_REDIS_PROTOCOL');
    expect(d.failure?.context).toEqual({ offset: 9, byte: 33 });
    expect(caught(() => d.push(bytes('+OK\r\n')))).toBe(d.failure);
    expect(caught(() => d.push(new Uint8Array(0)))).toBe(d.failure);
  });

  it('throws at once when no reply precedes the bad bytes in the chunk', () => {
    const d = new RespDecoder();
    expect(d.push(bytes('+OK\r\n$3\r\nab'))).toEqual(['OK']);
    expect(d.failure).toBeUndefined();
    const e = caught(() => d.push(bytes('cX\r\n')));
    expect(e.context).toEqual({ offset: 12, byte: 88 });
    expect(d.failure).toBe(e);
  });

  it('gives the same replies and the same failure for every split of a stream', () => {
    const input = bytes('+OK\r\n*2\r\n:1\r\n$2\r\nhi\r\n$3\r\nabcX\r\n+never\r\n');
    const want = {
      replies: ['OK', [1, 'hi']],
      error: { code: 'TRD_ERR_REDIS_PROTOCOL', context: { offset: 28, byte: 88 } }
    };
    expect(outcome(input, [])).toEqual(want);
    expect(
      outcome(
        input,
        Array.from({ length: input.length }, (_, i) => i)
      )
    ).toEqual(want);
    for (let i = 0; i <= input.length; i++) {
      expect(outcome(input, [i])).toEqual(want);
      for (let j = i; j <= input.length; j++) expect(outcome(input, [i, j])).toEqual(want);
    }
  });

  it('reports an over-long integer line at the same byte however it is chunked', () => {
    const input = bytes(`:1\r\n:${'1'.repeat(40)}\r\n`);
    const want = {
      replies: [1],
      error: { code: 'TRD_ERR_REDIS_PROTOCOL', context: { offset: 4 + 1 + 32, byte: 49 } }
    };
    expect(outcome(input, [])).toEqual(want);
    for (let i = 0; i <= input.length; i++) expect(outcome(input, [i])).toEqual(want);
    expect(
      outcome(
        input,
        Array.from({ length: input.length }, (_, i) => i)
      )
    ).toEqual(want);
  });

  it('property: valid replies then garbage decode to those replies and one failure, whatever the chunking', () => {
    const garbage = fc.oneof(
      fc.constantFrom(...bytes('!%#~_,(=>\n')),
      fc.integer({ min: 0, max: 255 }).filter((b) => !bytes('+-:$*').includes(b))
    );
    fc.assert(
      fc.property(
        fc.array(tree, { maxLength: 5 }),
        garbage,
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 10 }),
        (trees, bad, tail, fractions) => {
          const good = bytes(trees.map(encodeReply).join(''));
          const input = Buffer.concat([good, Buffer.from([bad, ...tail])]);
          const want = {
            replies: trees.map(expected),
            error: { code: 'TRD_ERR_REDIS_PROTOCOL', context: { offset: good.length, byte: bad } }
          };
          expect(outcome(input, [])).toEqual(want);
          expect(outcome(input, cutsOf(input.length, fractions))).toEqual(want);
          expect(
            outcome(
              input,
              Array.from({ length: input.length }, (_, i) => i)
            )
          ).toEqual(want);
        }
      ),
      { numRuns: 500 }
    );
  });

  it('property: on arbitrary or mutated bytes, every chunking gives the same replies and failure point', () => {
    const respish = fc.oneof(
      fc.constantFrom(...bytes('+-:$*\r\n0123456789-')),
      fc.integer({ min: 0, max: 255 })
    );
    const mutated = fc
      .tuple(
        fc.array(tree, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), {
          minLength: 1,
          maxLength: 4
        })
      )
      .map(([trees, edits]) => {
        const wire = [...bytes(trees.map(encodeReply).join(''))];
        for (const [at, b, insert] of edits) {
          const i = at % (wire.length + 1);
          if (insert) wire.splice(i, 0, b);
          else wire[i % wire.length] = b;
        }
        return wire;
      });
    fc.assert(
      fc.property(
        fc.oneof(fc.array(respish, { maxLength: 120 }), mutated),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 10 }),
        (arr, fractions) => {
          const input = Buffer.from(arr);
          const whole = outcome(input, []);
          expect(outcome(input, cutsOf(input.length, fractions))).toEqual(whole);
          expect(
            outcome(
              input,
              Array.from({ length: input.length }, (_, i) => i)
            )
          ).toEqual(whole);
        }
      ),
      { numRuns: 2000 }
    );
  });
});

describe('RespDecoder errors and limits', () => {
  const fail = (...chunks: string[]) => {
    const d = new RespDecoder();
    return caught(() => {
      for (const c of chunks) d.push(bytes(c));
      // a chunk that completes a reply before going bad hands the reply over and leaves the error pending
      if (d.failure) throw d.failure;
    });
  };

  it('rejects an unknown type byte, with its stream offset and value', () => {
    const e = fail('+OK\r\n', '!');
    expect(e.code).toBe('TRD_ERR_REDIS_PROTOCOL');
    expect(e.context).toEqual({ offset: 5, byte: 33 });
    expect(fail('+OK\r\n:1\r', '\n?').context).toEqual({ offset: 9, byte: 63 });
    expect(fail('%2\r\n').code).toBe('TRD_ERR_REDIS_PROTOCOL'); // a RESP3 map
  });

  it.each([
    ['bad bulk length', '$abc\r\n'],
    ['negative bulk length', '$-2\r\n'],
    ['negative array length', '*-5\r\n'],
    ['empty length', '$\r\n'],
    ['non-integer', ':12a\r\n'],
    ['float', ':1.5\r\n'],
    ['bare minus', ':-\r\n'],
    ['plus sign', ':+1\r\n'],
    ['missing CRLF after a bulk', '$3\r\nfooX\r\n'],
    ['CR without LF', '+OK\rX'],
    ['LF without CR', '+OK\n'],
    ['LF without CR in a length', '$3\n'],
    ['CR without LF after a bulk', '$3\r\nfoo\rX'],
    ['an integer line too long', `:${'1'.repeat(40)}`],
    ['an integer beyond 2^53 - 1', ':9007199254740992\r\n'],
    ['an integer below -(2^53 - 1)', ':-9007199254740992\r\n'],
    ['a huge integer', ':99999999999999999999999999\r\n']
  ])('rejects %s', (_, wire) => {
    expect(fail(wire).code).toBe('TRD_ERR_REDIS_PROTOCOL');
    // split byte by byte too
    expect(fail(...wire).code).toBe('TRD_ERR_REDIS_PROTOCOL');
  });

  it('accepts the extreme safe integers', () => {
    expect(decodeAll(':9007199254740991\r\n:-9007199254740991\r\n:-0\r\n:007\r\n')).toEqual([
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      0,
      7
    ]);
  });

  it('rejects a bulk string over 512 MiB but waits for one of exactly 512 MiB', () => {
    expect(RESP_MAX_BULK_LENGTH).toBe(536_870_912);
    expect(fail(`$${RESP_MAX_BULK_LENGTH + 1}\r\n`).context).toMatchObject({ offset: 1 });
    const d = new RespDecoder();
    expect(d.push(bytes(`$${RESP_MAX_BULK_LENGTH}\r\n`))).toEqual([]);
    expect(d.push(bytes('abc'))).toEqual([]);
  });

  it('rejects an array over 2^24 elements but accepts one of exactly 2^24', () => {
    expect(RESP_MAX_ARRAY_LENGTH).toBe(16_777_216);
    expect(fail(`*${RESP_MAX_ARRAY_LENGTH + 1}\r\n`).code).toBe('TRD_ERR_REDIS_PROTOCOL');
    const d = new RespDecoder();
    expect(d.push(bytes(`*${RESP_MAX_ARRAY_LENGTH}\r\n:1\r\n`))).toEqual([]);
  });

  it('accepts arrays nested 64 deep and rejects 65', () => {
    expect(RESP_MAX_DEPTH).toBe(64);
    let want: RespReply = 'x';
    for (let i = 0; i < 64; i++) want = [want];
    expect(decodeAll(`${'*1\r\n'.repeat(64)}+x\r\n`)).toEqual([want]);
    const e = fail(`${'*1\r\n'.repeat(65)}+x\r\n`);
    expect(e.code).toBe('TRD_ERR_REDIS_PROTOCOL');
    expect(e.context).toEqual({ offset: 64 * 4, byte: 42 });
    // depth is about nesting, not about how many arrays come one after another
    expect(decodeAll('*1\r\n*0\r\n'.repeat(100))).toHaveLength(100);
  });

  it('stays failed after an error', () => {
    const d = new RespDecoder();
    const e = caught(() => d.push(bytes('?')));
    expect(caught(() => d.push(bytes('+OK\r\n')))).toBe(e);
  });
});

describe('RespDecoder cost', () => {
  it('assembles a large bulk string fed in small chunks without quadratic copying', () => {
    const n = 16 * 1024 * 1024;
    const body = Buffer.alloc(n, 'a');
    const wire = Buffer.concat([bytes(`$${n}\r\n`), body, bytes('\r\n')]);
    const d = new RespDecoder();
    const t0 = performance.now();
    const out: RespReply[] = [];
    for (let i = 0; i < wire.length; i += 4096) out.push(...d.push(wire.subarray(i, i + 4096)));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(out).toHaveLength(1);
    expect((out[0] as string).length).toBe(n);
  });

  it('decodes a long array fed in small chunks without re-reading its elements', () => {
    const n = 200_000;
    const wire = bytes(`*${n}\r\n${':12345\r\n'.repeat(n)}`);
    const d = new RespDecoder();
    const t0 = performance.now();
    const out: RespReply[] = [];
    for (let i = 0; i < wire.length; i += 100) out.push(...d.push(wire.subarray(i, i + 100)));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(out).toHaveLength(1);
    expect((out[0] as number[]).length).toBe(n);
  });
});

describe('encodeCommand', () => {
  it('writes an array of bulk strings, lengths in UTF-8 bytes', () => {
    expect(encodeCommand(['PING']).toString('latin1')).toBe('*1\r\n$4\r\nPING\r\n');
    expect(encodeCommand(['SET', 'k', 'hello'])).toEqual(
      bytes('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n')
    );
    expect(encodeCommand(['SET', 'ключ', 'värde 🚀'])).toEqual(
      Buffer.concat([
        bytes('*3\r\n$3\r\nSET\r\n$8\r\n'),
        Buffer.from([0xd0, 0xba, 0xd0, 0xbb, 0xd1, 0x8e, 0xd1, 0x87]),
        bytes('\r\n$11\r\nv'),
        Buffer.from([0xc3, 0xa4]),
        bytes('rde '),
        Buffer.from([0xf0, 0x9f, 0x9a, 0x80]),
        bytes('\r\n')
      ])
    );
    expect(encodeCommand(['BLPOP', 'q', 1.5, 0, -3, ''])).toEqual(
      bytes('*6\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$3\r\n1.5\r\n$1\r\n0\r\n$2\r\n-3\r\n$0\r\n\r\n')
    );
    expect(encodeCommand(['SET', 'k', 'a\r\nb'])).toEqual(
      bytes('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n')
    );
  });

  it('round-trips through a decoder as an array of bulk strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 8 }), (args) => {
        expect(decodeAll(encodeCommand(args))).toEqual([args]);
      })
    );
  });

  it('refuses an empty command and non-finite numbers', () => {
    expect(caught(() => encodeCommand([])).code).toBe('TRD_ERR_REDIS_PROTOCOL');
    expect(caught(() => encodeCommand(['INCRBY', 'k', Number.NaN])).code).toBe('TRD_ERR_REDIS_PROTOCOL');
    expect(caught(() => encodeCommand(['INCRBY', 'k', Number.POSITIVE_INFINITY])).context).toMatchObject({
      index: 2
    });
  });
});
