import type { z } from 'zod';
import { validateConfig } from '../config/load.ts';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { MarketMakerStrategy, marketMakerParamsSchema } from './market-maker.strategy.ts';
import { MeanReversionStrategy, meanReversionParamsSchema } from './mean-reversion.strategy.ts';
import { MlLogisticStrategy, mlLogisticParamsSchema } from './ml-logistic.strategy.ts';
import { MomentumStrategy, momentumParamsSchema } from './momentum.strategy.ts';
import { PairsStrategy, pairsParamsSchema } from './pairs.strategy.ts';
import { createFromPlugin, loadStrategyPlugin, pluginId } from './plugin.ts';
import { SmaCrossoverStrategy, smaCrossoverParamsSchema } from './sma-crossover.strategy.ts';
import type { Strategy } from './strategy.ts';

type Factory = (id: string, params: unknown, file: string) => Strategy;

/** The factory of a built-in strategy: its params validated by `schema` (errors name `strategy.params`). */
function builtin<S extends z.ZodType>(
  schema: S,
  Ctor: new (id: string, params: z.output<S>) => Strategy
): Factory {
  return (id, params, file) => new Ctor(id, validateConfig(schema, params, file, 'strategy.params'));
}

/** By type name; a Map, so that names of Object.prototype members (`toString`, `__proto__`) are unknown types. */
const factories = new Map<string, Factory>([
  ['sma-crossover', builtin(smaCrossoverParamsSchema, SmaCrossoverStrategy)],
  ['momentum', builtin(momentumParamsSchema, MomentumStrategy)],
  ['mean-reversion', builtin(meanReversionParamsSchema, MeanReversionStrategy)],
  ['pairs', builtin(pairsParamsSchema, PairsStrategy)],
  ['ml-logistic', builtin(mlLogisticParamsSchema, MlLogisticStrategy)],
  ['market-maker', builtin(marketMakerParamsSchema, MarketMakerStrategy)]
]);

/** The types tradestate ships. */
const BUILT_IN_TYPES: ReadonlySet<string> = new Set(factories.keys());

/** Strategy types that `strategy.type` may name. */
export function strategyTypes(): string[] {
  return [...factories.keys()];
}

/**
 * Register a strategy type (plugins) for the running process. A type already known — a built-in or one
 * registered before — is refused with `TRD_ERR_CONFIG_INVALID`: replacing it would silently change what every
 * config naming it runs.
 */
export function registerStrategy(type: string, factory: Factory): void {
  if (factories.has(type)) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `strategy type "${type}" is already registered${BUILT_IN_TYPES.has(type) ? ' (a built-in)' : ''}; register it under another name`,
      { type }
    );
  }
  factories.set(type, factory);
}

/**
 * Build the configured strategy: a built-in (or registered) `type`, or the default export of `module`
 * ({@link loadStrategyPlugin}, {@link createFromPlugin}). Unknown types, bad params, a module's id that its file
 * name cannot give ({@link pluginId}), and a module whose `create` throws or returns no strategy are
 * `TRD_ERR_CONFIG_INVALID` naming the key path.
 */
export function createStrategy(cfg: RunConfig['strategy'], file: string): Strategy {
  if (cfg.module !== undefined) {
    const plugin = loadStrategyPlugin(cfg.module, file);
    const params = plugin.params
      ? validateConfig(plugin.params, cfg.params, file, 'strategy.params')
      : cfg.params;
    return createFromPlugin(plugin, cfg.id ?? pluginId(cfg.module, file), params, cfg.module, file);
  }
  const type = cfg.type ?? '';
  const f = factories.get(type);
  if (!f) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.type: expected one of ${strategyTypes().join(', ')}, got "${type}"`,
      { file, path: 'strategy.type' }
    );
  }
  return f(cfg.id ?? type, cfg.params, file);
}
