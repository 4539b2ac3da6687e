import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type { z } from 'zod';
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
 * it does not load or its default export is not a {@link StrategyPlugin}.
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
  return plugin as StrategyPlugin;
}

/** A module's strategy id when the config gives none: its file name without `.strategy.ts` / `.ts`. */
export function pluginId(path: string): string {
  return basename(path).replace(/(\.strategy)?\.[cm]?[jt]s$/, '');
}
