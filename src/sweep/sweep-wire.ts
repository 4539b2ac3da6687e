/**
 * JSON for sweep jobs and results on the wire (Redis): exact round trips of what plain JSON cannot hold —
 * bigints (nanosecond windows) become `{"$bigint":"…"}` and non-finite numbers (a Sharpe ratio of a run
 * without trades) `{"$number":"NaN"}`. An object of the caller's that would read as one of these tags (its only
 * key `$bigint`, `$number` or `$object`) is sent escaped, as `{"$object":[[key, value]]}`. Everything else is
 * plain JSON. {@link readWire} reads it with a zod schema: the job envelopes and result messages of Redis sweeps
 * are below.
 */
import { z } from 'zod';
import { runConfigSchema } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { SweepJob, SweepPointResult } from './sweep.worker.ts';

const TAGS: ReadonlySet<string> = new Set(['$bigint', '$number', '$object']);

/** True for a plain object whose only key is one of the wire's tags. */
function looksTagged(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && TAGS.has(keys[0]!);
}

/** `value` as wire JSON. */
export function toWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    // an array of entries: the replacer then walks the value inside without meeting this object again
    if (looksTagged(v)) return { $object: Object.entries(v) };
    return v;
  });
}

const NON_FINITE: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY
};

/** Parse wire JSON (throws `SyntaxError` on text that is not JSON). */
export function fromWire(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length !== 1) return v;
    const o = v as Record<string, unknown>;
    if (typeof o['$bigint'] === 'string' && /^-?\d+$/.test(o['$bigint'])) return BigInt(o['$bigint']);
    if (typeof o['$number'] === 'string' && o['$number'] in NON_FINITE) return NON_FINITE[o['$number']];
    const entries = o['$object'];
    if (
      Array.isArray(entries) &&
      entries.length === 1 &&
      Array.isArray(entries[0]) &&
      entries[0].length === 2 &&
      TAGS.has(entries[0][0])
    )
      return { [entries[0][0]]: entries[0][1] };
    return v;
  });
}

/*
 * What travels through Redis, as zod schemas: a job envelope (coordinator → workers) and a result message
 * (worker → its coordinator). Each side validates what it reads: the queue of jobs is shared by every sweep
 * on the server, and a result list is written by whichever worker took a point.
 */

/** Any number, non-finite ones included (the wire carries them; `z.number()` refuses them). */
const wireNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');

/** A sweep's id, as a coordinator makes it (it names the sweep's result key). */
export const sweepIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/);
const pointIndexSchema = z.number().int().min(0);
const gridPointSchema = z.record(z.string(), z.union([wireNumber, z.boolean(), z.string()]));

/** A job as it travels: the point's configuration, validated again (a worker may be another version). */
const sweepJobSchema = z.strictObject({
  index: pointIndexSchema,
  config: runConfigSchema,
  configFile: z.string().min(1),
  seed: z.number().int(),
  params: gridPointSchema,
  window: z.strictObject({ from: z.bigint().optional(), to: z.bigint().optional() }).optional(),
  data: z.array(z.strictObject({ path: z.string(), sha256: z.string() })).optional(),
  hook: z.enum(['exit', 'crash', 'throw']).optional()
}) satisfies z.ZodType<SweepJob>;

/** One point of one sweep, as queued on `<prefix>:jobs`. */
export interface JobEnvelope {
  readonly sweep: string;
  readonly job: SweepJob;
}
export const jobEnvelopeSchema = z.strictObject({
  sweep: sweepIdSchema,
  job: sweepJobSchema
}) satisfies z.ZodType<JobEnvelope>;

/**
 * As much of an envelope as names a point: enough to answer a job that is otherwise invalid (its params are
 * kept when they are valid).
 */
export const jobAddressSchema = z.object({
  sweep: sweepIdSchema,
  job: z.object({ index: pointIndexSchema, params: gridPointSchema.catch({}) })
});

const nullableNumber = z.union([wireNumber, z.null()]);
/** {@link SweepPointResult}, strictly: a result carries nothing else. */
const sweepPointResultSchema = z.strictObject({
  index: pointIndexSchema,
  runId: z.string().optional(),
  params: gridPointSchema,
  metrics: z
    .strictObject({
      totalReturn: wireNumber,
      annualizedReturn: nullableNumber,
      annualizedVolatility: wireNumber,
      sharpe: wireNumber,
      sortino: wireNumber,
      calmar: nullableNumber,
      maxDrawdown: wireNumber,
      alpha: nullableNumber,
      beta: nullableNumber,
      informationRatio: nullableNumber,
      trades: wireNumber,
      winRate: wireNumber,
      endEquity: wireNumber
    })
    .optional(),
  counts: z
    .strictObject({
      bars: z.number().int(),
      orders: z.number().int(),
      fills: z.number().int(),
      rejected: z.number().int(),
      events: z.number().int()
    })
    .optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional()
}) satisfies z.ZodType<SweepPointResult>;

/** A worker's result of one point, as pushed on `<prefix>:<sweep>:results`. */
export interface ResultMessage {
  /** The worker's name (`<host>:<pid>#<thread>` by default). */
  readonly worker: string;
  readonly result: SweepPointResult;
}
export const resultMessageSchema = z.strictObject({
  worker: z.string().min(1),
  result: sweepPointResultSchema
}) satisfies z.ZodType<ResultMessage>;

/**
 * Wire JSON read with `schema`.
 *
 * @throws TradestateError `TRD_ERR_MESSAGE_INVALID` (context: `what`, the zod issue's `path`, and the text's
 * first 200 characters) when `text` is not JSON or not what `schema` describes.
 */
export function readWire<S extends z.ZodType>(text: string, schema: S, what: string): z.output<S> {
  let value: unknown;
  try {
    value = fromWire(text);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.MESSAGE_INVALID,
      `${what} is not JSON`,
      { what, text: text.slice(0, 200) },
      { cause: e }
    );
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new TradestateError(
      ErrorCode.MESSAGE_INVALID,
      `invalid ${what}: ${path === '' ? '' : `${path}: `}${issue?.message}`,
      { what, path, text: text.slice(0, 200) }
    );
  }
  return r.data;
}
