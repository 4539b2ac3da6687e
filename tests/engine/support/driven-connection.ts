import { Subject } from 'rxjs';
import type { LiveConnection } from '../../../src/engine/live-runner.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import type { MarketData } from '../../../src/messages/market-data.ts';

/**
 * A live connection whose trading and market-data streams the test drives (`reports`, `md`); orders go nowhere,
 * and each reconcile pass is `reconcile` (default: one that finds nothing). `over` replaces whole parts.
 */
export function drivenConnection(
  over: Partial<LiveConnection> = {},
  reconcile: () => Promise<void> = async () => {}
): { connection: LiveConnection; reports: Subject<ExecutionReport>; md: Subject<MarketData> } {
  const reports = new Subject<ExecutionReport>();
  const md = new Subject<MarketData>();
  const connection: LiveConnection = {
    name: 'driven',
    execution: {
      submit() {},
      cancel() {},
      replace() {},
      reports$: reports,
      errors$: new Subject(),
      reconcile
    },
    marketData: { subscribe() {}, marketData$: md, errors$: new Subject() },
    close: async () => {},
    ...over
  };
  return { connection, reports, md };
}
