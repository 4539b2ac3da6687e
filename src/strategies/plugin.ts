import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type { z } from 'zod';
import { STRATEGY_ID } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Strategy } from './strategy.ts';

/**
 * What a strategy module exports as its default: how to build the strategy from its id and its
 * `strategy.params` (validated by `params` first, errors naming the key path, when the module gives a schema).
 * Name the module in a config as `strategy: { module: ./my.strategy.ts, params: {…} }`; backtests, sweeps,
 * walk-forward and paper sessions then run it like a built-in strategy.
 */
export interface StrategyPlugin<P = unknown> {
  readonly params?: z.ZodType<P>;
  create(id: string, params: P): Strategy;
}

/** Type a strategy module's default export: `export default defineStrategy({ params, create })`. */
export function defineStrategy<P>(plugin: {
  readonly params: z.ZodType<P>;
  create(id: string, params: P): Strategy;
}): StrategyPlugin<P> {
  return plugin;
}

const requireModule = createRequire(import.meta.url);

/**
 * Load a strategy module (an absolute path) synchronously, so that everything that builds strategies from a
 * config (sweep points are checked before they run) can; Node caches it per process, each worker thread loads
 * its own.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_NOT_FOUND` when the file does not exist; `TRD_ERR_CONFIG_INVALID` when
 * it does not load or its default export is not a {@link StrategyPlugin} (no `create` function, or a `params`
 * that is not a zod schema).
 */
export function loadStrategyPlugin(path: string, file: string): StrategyPlugin {
  if (!existsSync(path)) {
    throw new TradestateError(ErrorCode.CONFIG_NOT_FOUND, `${file}: strategy.module: no such file ${path}`, {
      file,
      path: 'strategy.module',
      module: path
    });
  }
  let mod: { default?: unknown };
  try {
    mod = requireModule(path) as { default?: unknown };
  } catch (e) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.module: ${path} does not load: ${(e as Error).message}`,
      { file, path: 'strategy.module', module: path },
      { cause: e }
    );
  }
  const plugin = mod.default as Partial<StrategyPlugin> | undefined;
  if (typeof plugin?.create !== 'function') {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.module: ${path} has no default export with a create(id, params) function (see defineStrategy)`,
      { file, path: 'strategy.module', module: path }
    );
  }
  const params = plugin.params as unknown;
  if (params !== undefined && typeof (params as { safeParse?: unknown } | null)?.safeParse !== 'function') {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.module: ${path}: its default export's params is not a zod schema (see defineStrategy)`,
      { file, path: 'strategy.module', module: path }
    );
  }
  return plugin as StrategyPlugin;
}

/**
 * Build the strategy with the module's `create(id, params)` and check that what it returns is a
 * {@link Strategy}: a string `id`, `onBar` and `snapshot` functions, and the optional hooks functions when given.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_INVALID` naming the module when `create` throws (the error is the
 * `cause`) or returns something else.
 */
export function createFromPlugin(
  plugin: StrategyPlugin,
  id: string,
  params: unknown,
  path: string,
  file: string
): Strategy {
  const context = { file, path: 'strategy.module', module: path };
  let s: unknown;
  try {
    s = plugin.create(id, params);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.module: ${path}: create() threw: ${e instanceof Error ? e.message : String(e)}`,
      context,
      { cause: e }
    );
  }
  const problem = strategyProblem(s);
  if (problem !== undefined) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.module: ${path}: create() did not return a strategy: ${problem}`,
      { ...context, problem }
    );
  }
  return s as Strategy;
}

/** What keeps `s` from being a {@link Strategy}, or undefined when nothing does. */
function strategyProblem(s: unknown): string | undefined {
  if (typeof s !== 'object' || s === null) return `expected an object, got ${s === null ? 'null' : typeof s}`;
  const o = s as Record<string, unknown>;
  if (typeof o.id !== 'string') return `id must be a string, got ${typeof o.id}`;
  for (const m of ['onBar', 'snapshot'])
    if (typeof o[m] !== 'function') return `${m} must be a function, got ${typeof o[m]}`;
  for (const m of ['onQuote', 'onTrade', 'onOrderEvent'])
    if (o[m] !== undefined && typeof o[m] !== 'function')
      return `${m} must be a function when given, got ${typeof o[m]}`;
  return undefined;
}

/**
 * A module's strategy id when the config gives none: its file name without `.strategy.ts` / `.ts`.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_INVALID` when that name is not a valid strategy id (letters, digits,
 * `.`, `_`, `-`, at most 40): the config must then give `strategy.id`.
 */
export function pluginId(path: string, file: string): string {
  const id = basename(path).replace(/(\.strategy)?\.[cm]?[jt]s$/, '');
  if (!STRATEGY_ID.test(id)) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.module: the id taken from the file name of ${path}, "${id}", is not a valid strategy id ` +
        `(1 to 40 letters, digits, ".", "_" or "-"): set an explicit strategy.id`,
      { file, path: 'strategy.id', module: path, id }
    );
  }
  return id;
}
