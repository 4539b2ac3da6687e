/**
 * Parameter grids for sweeps: `--param` specs (`strategy.params.fast=5,10,20`, `strategy.params.slow=50:100:25`)
 * become axes, axes become a cartesian grid of points, and each point is written into a copy of the raw run
 * configuration (as parsed from YAML, before defaults) and validated exactly as a config file would be.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadRunConfig, nearConfig, parseRunConfig } from '../config/load.ts';
import { type RunConfig, runConfigSchema } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { createStrategy } from '../strategies/registry.ts';

/** A swept value: numbers when numeric, `true`/`false`, else strings. */
export type ParamValue = number | boolean | string;

/** One swept dotted config path and the values it takes, in order. */
export interface ParamAxis {
  readonly path: string;
  readonly values: readonly ParamValue[];
}

/** One point of a grid: dotted path → value, keys in axis order. */
export type GridPoint = Readonly<Record<string, ParamValue>>;

/** Most points one sweep may have. */
export const MAX_SWEEP_POINTS = 10_000;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const SEGMENT = /^([A-Za-z_][A-Za-z0-9_-]*|\d+)$/;
/** Keys that would reach an object's prototype rather than its own data. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

function usage(message: string, context: Record<string, unknown> = {}): TradestateError {
  return new TradestateError(ErrorCode.CLI_USAGE, message, context);
}

/** `"5"` → 5, `"true"` → true, anything else stays a string. */
export function parseParamValue(text: string): ParamValue {
  if (NUMBER.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

/** Decimal places needed to write `x` exactly as JavaScript prints it (`0.25` → 2, `1e-7` → 7). */
function decimals(x: number): number {
  const m = /^-?\d*(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return 0;
  return Math.max(0, (m[1]?.length ?? 0) - Number(m[2] ?? 0));
}

/** `start:stop:step`, stop included when the steps land on it; values rounded to the inputs' decimals. */
function parseRange(spec: string, path: string, text: string): number[] {
  const parts = text.split(':');
  const [start, stop, step] = parts.map(Number) as [number, number, number];
  if (![start, stop, step].every(Number.isFinite))
    throw usage(`--param ${spec}: range bounds must be finite`);
  if (step === 0) throw usage(`--param ${spec}: a range's step must not be 0`, { path });
  if (stop !== start && Math.sign(stop - start) !== Math.sign(step)) {
    throw usage(`--param ${spec}: step ${step} never gets from ${start} to ${stop}`, { path });
  }
  const count = Math.floor((stop - start) / step + 1e-9) + 1;
  if (count > MAX_SWEEP_POINTS) {
    throw new TradestateError(
      ErrorCode.SWEEP_INVALID,
      `--param ${spec}: ${count} values, more than the ${MAX_SWEEP_POINTS} points a sweep may have`,
      { path, count }
    );
  }
  const dp = Math.min(15, Math.max(decimals(start), decimals(step)));
  return Array.from({ length: count }, (_, i) => Number((start + i * step).toFixed(dp)));
}

/**
 * Parse one `--param` spec: `PATH=V1,V2,…` (a list) or `PATH=START:STOP:STEP` (an inclusive numeric range).
 * PATH is a dotted config path (`execution.slippage.bps`); list items are numbers when numeric, booleans
 * for `true`/`false`, strings otherwise (`data.sessionOpenUtc=14:30,15:00` is a list of two strings).
 *
 * @throws TradestateError `TRD_ERR_CLI_USAGE` for a malformed spec (no `=`, a bad path, an empty item, a
 * repeated value, a range whose step is 0 or points away from its stop); `TRD_ERR_SWEEP_INVALID` for a range
 * longer than {@link MAX_SWEEP_POINTS}.
 */
export function parseParamSpec(spec: string): ParamAxis {
  const eq = spec.indexOf('=');
  if (eq < 0) throw usage(`--param ${spec}: expected PATH=V1,V2,… or PATH=START:STOP:STEP`);
  const path = spec.slice(0, eq).trim();
  const text = spec.slice(eq + 1).trim();
  const segs = path.split('.');
  if (path === '' || !segs.every((s) => SEGMENT.test(s)) || /^\d/.test(segs[0]!)) {
    throw usage(`--param ${spec}: "${path}" is not a dotted config path like strategy.params.fast`);
  }
  const bad = segs.find((s) => FORBIDDEN.has(s));
  if (bad !== undefined) throw usage(`--param ${spec}: "${bad}" may not appear in a path`);
  if (text === '') throw usage(`--param ${spec}: no values`, { path });
  const parts = text.split(':');
  if (!text.includes(',') && parts.length === 3 && parts.every((p) => NUMBER.test(p.trim()))) {
    return { path, values: parseRange(spec, path, text) };
  }
  const values: ParamValue[] = [];
  for (const item of text.split(',')) {
    const t = item.trim();
    if (t === '') throw usage(`--param ${spec}: empty value in the list`, { path });
    const v = parseParamValue(t);
    if (values.includes(v)) throw usage(`--param ${spec}: value ${t} appears twice`, { path });
    values.push(v);
  }
  return { path, values };
}

/**
 * Parse every `--param` spec (see {@link parseParamSpec}); a path may be swept once, and not together with
 * a path inside it (`strategy.params` and `strategy.params.fast`).
 */
export function parseParamSpecs(specs: readonly string[]): ParamAxis[] {
  const axes = specs.map(parseParamSpec);
  for (let i = 0; i < axes.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = axes[j]!.path;
      const b = axes[i]!.path;
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        throw usage(a === b ? `--param ${a} is given twice` : `--param ${a} and --param ${b} overlap`, {
          path: b
        });
      }
    }
  }
  return axes;
}

/** Number of points of the grid of `axes` (the product of the axis lengths). */
export function gridSize(axes: readonly ParamAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/**
 * The cartesian product of `axes` in a fixed order: the first axis varies slowest, the last fastest
 * (`fast=5,10 × slow=50,100` → 5/50, 5/100, 10/50, 10/100). No axes is one empty point.
 *
 * @throws TradestateError `TRD_ERR_SWEEP_INVALID` when an axis has no values or the grid has more than
 * {@link MAX_SWEEP_POINTS} points.
 */
export function gridOf(axes: readonly ParamAxis[]): GridPoint[] {
  const empty = axes.find((a) => a.values.length === 0);
  if (empty) {
    throw new TradestateError(ErrorCode.SWEEP_INVALID, `${empty.path}: an axis needs at least one value`, {
      path: empty.path
    });
  }
  const size = gridSize(axes);
  if (size > MAX_SWEEP_POINTS) {
    throw new TradestateError(
      ErrorCode.SWEEP_INVALID,
      `the grid has ${size} points, more than the ${MAX_SWEEP_POINTS} a sweep may have`,
      { points: size, max: MAX_SWEEP_POINTS }
    );
  }
  const points: GridPoint[] = [];
  const at = axes.map(() => 0);
  for (let n = 0; n < size; n++) {
    const p: Record<string, ParamValue> = {};
    axes.forEach((a, k) => {
      p[a.path] = a.values[at[k]!]!;
    });
    points.push(p);
    for (let k = axes.length - 1; k >= 0; k--) {
      if (++at[k]! < axes[k]!.values.length) break;
      at[k] = 0;
    }
  }
  return points;
}

/** Set `path` on `root`, creating objects (arrays before a numeric segment) and replacing scalars on the way. */
function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur: Record<string, unknown> = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const k = segs[i]!;
    const next = cur[k];
    if (next === null || typeof next !== 'object') cur[k] = /^\d+$/.test(segs[i + 1]!) ? [] : {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[segs.at(-1)!] = value;
}

function asRecord(base: unknown, file: string): Record<string, unknown> {
  if (base === null || typeof base !== 'object' || Array.isArray(base)) {
    throw new TradestateError(ErrorCode.CONFIG_INVALID, `${file}: (root): expected a mapping`, { file });
  }
  return base as Record<string, unknown>;
}

/** A value no schema accepts: where it lands tells whether the schema knows the path. */
const PROBE = Symbol('sweep-path-probe');
/** Paths already found to exist, per raw base config. */
const knownPaths = new WeakMap<object, Set<string>>();

type PathVerdict = 'known' | 'unknown' | 'undecided';

/**
 * Judge a path from a validation's issues after {@link PROBE} was written at it: an issue at or below the
 * path means the schema reached it (known); a strict object refusing the key, or a scalar where the path
 * needs an object, above it means it does not exist.
 */
function verdict(
  issues: readonly { path: string; code?: string; keys?: readonly string[] }[],
  path: string
): PathVerdict {
  if (issues.some((i) => i.path === path || i.path.startsWith(`${path}.`))) return 'known';
  for (const i of issues) {
    if (!path.startsWith(i.path === '' ? '' : `${i.path}.`)) continue;
    const next = path.slice(i.path === '' ? 0 : i.path.length + 1).split('.')[0]!;
    if (i.code === undefined || i.code === 'invalid_type') return 'unknown';
    if (i.code === 'unrecognized_keys' && i.keys?.includes(next)) return 'unknown';
  }
  return 'undecided';
}

/**
 * Check that `path` names a key the run configuration has: the config schema is strict everywhere except
 * `strategy.params`, which is the strategy's to validate, so paths there are checked against the configured
 * strategy's own parameters.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_INVALID` naming the path when it does not exist.
 */
export function assertKnownPath(base: unknown, path: string, file: string): void {
  const root = asRecord(base, file);
  const seen = knownPaths.get(root);
  if (seen?.has(path)) return;
  const probe = structuredClone(root);
  setPath(probe, path, PROBE);
  const r = runConfigSchema.safeParse(probe);
  const issues = (r.error?.issues ?? []).map((i) => ({
    path: i.path.map(String).join('.'),
    code: i.code,
    ...('keys' in i ? { keys: i.keys } : {})
  }));
  let v = verdict(issues, path);
  const strategy = probe['strategy'] as { type?: unknown; module?: unknown; params?: unknown } | undefined;
  if (v === 'undecided' && path.startsWith('strategy.params.') && strategy && typeof strategy === 'object') {
    try {
      const module = typeof strategy.module === 'string' ? nearConfig(file, strategy.module) : undefined;
      createStrategy(
        {
          ...strategy,
          ...(module ? { module } : {}),
          params: strategy.params ?? {}
        } as RunConfig['strategy'],
        file
      );
    } catch (e) {
      const found = e instanceof TradestateError ? e.context['issues'] : undefined;
      if (Array.isArray(found)) v = verdict(found as { path: string }[], path);
      if (v === 'unknown') {
        throw new TradestateError(
          ErrorCode.CONFIG_INVALID,
          `${file}: ${path}: not a parameter of strategy "${String(strategy.type ?? strategy.module)}"`,
          { file, path }
        );
      }
    }
  }
  if (v === 'unknown') {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: ${path}: no such key in the configuration`,
      {
        file,
        path
      }
    );
  }
  if (seen) seen.add(path);
  else knownPaths.set(root, new Set([path]));
}

/**
 * Write a grid point into a deep copy of the raw configuration `base` (as parsed from YAML, before defaults)
 * and validate the result as a config file would be (relative data paths resolve against `file`'s folder),
 * strategy parameters included.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_INVALID` naming the path: for a path the configuration does not
 * have, and for a value the schema (or the strategy, e.g. sma-crossover's `fast < slow`) refuses.
 */
export function applyParams(base: unknown, point: GridPoint, file: string): RunConfig {
  const root = asRecord(base, file);
  for (const path of Object.keys(point)) assertKnownPath(root, path, file);
  const copy = structuredClone(root);
  for (const [path, v] of Object.entries(point)) setPath(copy, path, v);
  // JSON is YAML: the one config parser validates it and resolves relative data paths against `file`
  const config = parseRunConfig(JSON.stringify(copy), file);
  createStrategy(config.strategy, file);
  return config;
}

/**
 * Read a run configuration file for sweeping: its raw YAML object (what points are written into) and the
 * validated configuration.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_NOT_FOUND` / `TRD_ERR_CONFIG_INVALID` as {@link loadRunConfig}.
 */
export function readBaseConfig(file: string): { raw: Record<string, unknown>; config: RunConfig } {
  const config = loadRunConfig(file);
  // read again for the raw object: loadRunConfig has just proved the file readable and valid YAML
  return { raw: asRecord(parseYaml(readFileSync(file, 'utf8')) ?? {}, file), config };
}
