import { parseArgs } from 'node:util';
import type { AnyStateMachine } from 'xstate';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { omsMachine } from '../machines/oms.machine.ts';
import { orderMachine } from '../machines/order.machine.ts';
import { strategyMachine } from '../machines/strategy.machine.ts';
import { edgesOf, toMermaid } from '../viz/statechart.ts';
import { type CliIo, EXIT_OK } from './io.ts';

const machines: Record<string, AnyStateMachine> = {
  order: orderMachine,
  oms: omsMachine,
  strategy: strategyMachine
};

export const CHART_HELP = `Usage: tradestate chart [MACHINE] [--format mermaid|json]

Print a state chart. MACHINE: ${Object.keys(machines).join(', ')} (default: order).
Mermaid output renders in GitHub Markdown, mermaid.live, or any Mermaid viewer; json lists every transition.
`;

/** Register more machines for `tradestate chart`. */
export function registerChart(name: string, machine: AnyStateMachine): void {
  machines[name] = machine;
}

/** `tradestate chart …` */
export async function chartCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { format: { type: 'string', default: 'mermaid' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true
  });
  if (values.help) {
    io.out(CHART_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `chart takes one MACHINE, got ${positionals.length}: ${positionals.join(' ')}`
    );
  }
  const name = positionals[0] ?? 'order';
  // own keys only: `toString`, `constructor`, … are no machines
  const m = Object.hasOwn(machines, name) ? machines[name] : undefined;
  if (!m)
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `unknown machine "${name}"; one of ${Object.keys(machines).join(', ')}`
    );
  if (values.format === 'json') io.out(`${JSON.stringify(edgesOf(m), null, 2)}\n`);
  else if (values.format === 'mermaid') io.out(toMermaid(m));
  else
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--format must be mermaid or json, got "${values.format}"`
    );
  return EXIT_OK;
}
