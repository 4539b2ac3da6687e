import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { readText } from '../core/read-file.ts';
import { type RunConfig, runConfigSchema } from './schema.ts';

/**
 * Validate `value` against `schema`; on failure throw `TRD_ERR_CONFIG_INVALID` whose message names the
 * file, the key path and what was expected, e.g.
 * `config/backtest.yaml: strategy.params.fast: expected a positive integer, got -3`.
 */
export function validateConfig<S extends z.ZodType>(
  schema: S,
  value: unknown,
  file: string,
  prefix = ''
): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)';
  const got = describeValue(getPath(value, issue.path));
  const expected = messageOf(issue, value);
  throw new TradestateError(
    ErrorCode.CONFIG_INVALID,
    `${file}: ${path}: ${expected}${got ? `, got ${got}` : ''}`,
    {
      file,
      path,
      expected,
      issues: r.error.issues.map((i) => ({
        path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
        message: messageOf(i, value)
      }))
    }
  );
}

/**
 * What an issue expected. A number YAML reads as non-finite (`.inf`, `-.inf`, `.nan`) where a number is wanted
 * is said to be one: zod's own words ("expected number, received Infinity") read as if it were no number.
 */
function messageOf(issue: z.core.$ZodIssue, value: unknown): string {
  const v = getPath(value, issue.path);
  const numberWanted =
    (issue.code === 'invalid_type' && issue.expected === 'number') || issue.code === 'invalid_union';
  return numberWanted && typeof v === 'number' && !Number.isFinite(v)
    ? 'expected a finite number'
    : issue.message;
}

/**
 * Read and validate a YAML run configuration. Relative paths (data, the strategy module, FIX files) are resolved
 * against the config file's folder.
 */
export function loadRunConfig(file: string): RunConfig {
  const text = readText(file, {
    code: ErrorCode.CONFIG_NOT_FOUND,
    message: `${file}: cannot read config file`,
    context: { file }
  });
  return parseRunConfig(text, file);
}

/** A path written in the config file `file`: absolute as it is, else relative to the file's folder. */
export function nearConfig(file: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dirname(resolve(file)), p);
}

/** Parse YAML text as a run configuration (see {@link loadRunConfig}). */
export function parseRunConfig(text: string, file: string): RunConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    const at = e instanceof YAMLParseError && e.linePos ? e.linePos[0] : undefined;
    const where = at ? `line ${at.line}, column ${at.col}` : '';
    // valid YAML, but a stream of documents (`---` between them): a run configuration is one
    const what =
      e instanceof YAMLParseError && e.code === 'MULTIPLE_DOCS'
        ? `must hold one YAML document, but another one starts${where ? ` at ${where}` : ''}`
        : `not valid YAML${where ? ` (${where})` : ''}`;
    throw new TradestateError(ErrorCode.CONFIG_INVALID, `${file}: ${what}`, { file }, { cause: e });
  }
  const parsed = validateConfig(runConfigSchema, raw ?? {}, file);
  const near = (p: string): string => nearConfig(file, p);
  const { dictionary, tls } = parsed.live.fix;
  const { module } = parsed.strategy;
  const cfg = {
    ...parsed,
    strategy: { ...parsed.strategy, ...(module !== undefined ? { module: near(module) } : {}) },
    live: {
      ...parsed.live,
      fix: {
        ...parsed.live.fix,
        ...(dictionary !== undefined ? { dictionary: near(dictionary) } : {}),
        ...(tls !== undefined
          ? {
              tls: {
                ...tls,
                ...(tls.caFile !== undefined ? { caFile: near(tls.caFile) } : {}),
                ...(tls.certFile !== undefined ? { certFile: near(tls.certFile) } : {}),
                ...(tls.keyFile !== undefined ? { keyFile: near(tls.keyFile) } : {})
              }
            }
          : {})
      }
    }
  };
  if (cfg.data.kind === 'yahoo-csv' || cfg.data.kind === 'csv') {
    return {
      ...cfg,
      data: {
        ...cfg.data,
        files: cfg.data.files.map((f) => ({
          ...f,
          path: near(f.path)
        }))
      }
    };
  }
  if (cfg.data.kind === 'lobster') {
    const { orderbook } = cfg.data;
    return {
      ...cfg,
      data: {
        ...cfg.data,
        messages: near(cfg.data.messages),
        ...(orderbook ? { orderbook: near(orderbook) } : {})
      }
    };
  }
  if (cfg.data.kind === 'parquet') {
    return { ...cfg, data: { ...cfg.data, store: near(cfg.data.store) } };
  }
  return cfg;
}

function getPath(v: unknown, path: readonly PropertyKey[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function describeValue(v: unknown): string {
  if (v === undefined) return '';
  // JSON writes Infinity and NaN as null: say what the file said
  if (typeof v === 'number' && !Number.isFinite(v))
    return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
