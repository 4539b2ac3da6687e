import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyView } from '../../src/strategies/strategy.ts';

/**
 * A test strategy that sends a 1-lot market order on every `every`-th bar it sees, alternating buy and sell,
 * and reports each bar (with the view it was shown) to `onBar`.
 */
export function probeStrategy(every = 50, onBar?: (bar: Bar, view: StrategyView) => void): Strategy {
  let n = 0;
  return {
    id: 'probe',
    onBar(bar: Bar, view: StrategyView): readonly OrderIntent[] {
      onBar?.(bar, view);
      if (++n % every !== 0) return [];
      const side = (n / every) % 2 ? 'buy' : 'sell';
      return [
        { instrumentId: bar.instrumentId, side, qty: 1, orderType: 'market', tif: 'day', reason: 'probe' }
      ];
    },
    snapshot: () => ({})
  };
}
