import { setup } from 'xstate';
import { type KillSwitchInput, killSwitchMachine } from './kill-switch.machine.ts';
import { omsMachine } from './oms.machine.ts';
import { type SupervisorInput, supervisorMachine } from './supervisor.machine.ts';

/** System ids of a trading node's long-lived actors. */
export const NodeIds = {
  killSwitch: 'killSwitch',
  oms: 'oms',
  strategies: 'supervisor:strategies',
  gateways: 'supervisor:gateways',
  strategy: (id: string): string => `strategy:${id}`
} as const;

export interface TradingNodeInput {
  readonly killSwitch: KillSwitchInput;
  readonly strategies: SupervisorInput;
  /** Venue sessions and market-data feeds (none in a backtest). */
  readonly gateways: SupervisorInput;
}

/**
 * The root of a trading node's actor system: the kill switch (`killSwitch`), the order management
 * system (`oms`, which spawns one actor per order) and the supervisor of the strategy actors
 * (`supervisor:strategies`), and the supervisor of the gateway and feed actors (`supervisor:gateways`:
 * FIX sessions, WebSocket feeds). Sharing one system is what lets a supervisor escalate to the kill switch by
 * its system id. The same root runs in backtest and live; only the provided implementations differ.
 */
export const tradingNodeMachine = setup({
  types: {
    input: {} as TradingNodeInput,
    context: {} as TradingNodeInput
  },
  actors: {
    killSwitch: killSwitchMachine,
    oms: omsMachine,
    strategies: supervisorMachine,
    gateways: supervisorMachine
  }
}).createMachine({
  id: 'node',
  context: ({ input }) => input,
  invoke: [
    {
      id: 'killSwitch',
      systemId: NodeIds.killSwitch,
      src: 'killSwitch',
      input: ({ context }) => context.killSwitch
    },
    { id: 'oms', systemId: NodeIds.oms, src: 'oms' },
    {
      id: 'strategies',
      systemId: NodeIds.strategies,
      src: 'strategies',
      input: ({ context }) => context.strategies
    },
    { id: 'gateways', systemId: NodeIds.gateways, src: 'gateways', input: ({ context }) => context.gateways }
  ]
});
