// Order actor lifecycle: create → submit → ack → fill → stop, per order.
// impl tradestate: the real orderMachine under the OMS (spawned child, systemId, routed reports, audit events).
// case lifecycle-10k-working: the same, while 10,000 other orders rest at the venue (the cost must not grow with them).
// impl xstate-naive: a plain XState machine of the same shape, created with createActor per order, no setup().
import { assign, createActor, createMachine } from 'xstate';
import { startOrderSystem } from '../src/actors/order-system.actor.ts';
import type { ExecutionReport } from '../src/messages/execution-report.ts';
import { SimulatedClock } from '../src/time/clock.ts';
import type { Figure } from './figure.ts';

const N = 5_000;

function report(execType: ExecutionReport['execType'], id: string, lastQty = 0): ExecutionReport {
  return {
    type: 'exec.report',
    execType,
    venue: 'SIM',
    instrumentId: 'X@SIM',
    clientOrderId: id,
    venueOrderId: `v${id}`,
    execId: `${id}-${execType}`,
    side: 'buy',
    lastQty,
    lastPx: lastQty ? 100 : 0,
    cumQty: lastQty,
    leavesQty: 0,
    commission: 0n,
    liquidity: 'taker',
    tsEvent: 1n,
    tsInit: 1n
  };
}

function submit(oms: ReturnType<typeof startOrderSystem>, id: string, orderType: 'market' | 'limit'): void {
  oms.send({
    type: 'order.submit',
    command: {
      type: 'order.submit',
      commandId: id,
      tsInit: 0n,
      strategyId: 's',
      instrumentId: 'X@SIM',
      clientOrderId: id,
      side: 'buy',
      orderType,
      ...(orderType === 'limit' ? { limitPx: 90 } : {}),
      qty: 1,
      tif: orderType === 'limit' ? 'gtc' : 'day'
    },
    risk: { ok: true }
  });
}

function tradestate(n: number, resting = 0): number {
  let events = 0;
  const clock = new SimulatedClock(0n);
  const venue = { name: 'SIM', submit() {}, cancel() {}, replace() {}, query() {}, drain: () => [] };
  const oms = startOrderSystem({ clock, venue, onOrderEvent: () => void events++, onOmsEvent: () => {} });
  for (let i = 0; i < resting; i++) {
    submit(oms, `r${i}`, 'limit');
    oms.send({ type: 'exec.report', report: report('accepted', `r${i}`) });
  }
  events = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const id = `o${i}`;
    submit(oms, id, 'market');
    oms.send({ type: 'exec.report', report: report('accepted', id) });
    oms.send({ type: 'exec.report', report: report('fill', id, 1) });
  }
  const ns = Number(process.hrtime.bigint() - t0) / n;
  if (events !== 3 * n || oms.getSnapshot().context.open !== resting)
    throw new Error(`lifecycle incomplete: ${events} events`);
  oms.stop();
  return ns;
}

const naiveMachine = createMachine({
  initial: 'NEW',
  context: { filled: 0, qty: 1 },
  states: {
    NEW: { on: { submit: 'PENDING_NEW' } },
    PENDING_NEW: { on: { accepted: 'ACKNOWLEDGED', rejected: 'REJECTED' } },
    ACKNOWLEDGED: {
      on: {
        filled: [
          {
            guard: ({ context, event }) => context.filled + event.qty >= context.qty,
            target: 'FILLED',
            actions: assign({ filled: ({ context, event }) => context.filled + event.qty })
          },
          {
            target: 'PARTIAL_FILL',
            actions: assign({ filled: ({ context, event }) => context.filled + event.qty })
          }
        ]
      }
    },
    PARTIAL_FILL: { on: { filled: 'FILLED' } },
    FILLED: { type: 'final' },
    REJECTED: { type: 'final' }
  }
});

function naive(n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = createActor(naiveMachine);
    a.start();
    a.send({ type: 'submit' });
    a.send({ type: 'accepted' });
    a.send({ type: 'filled', qty: 1 });
    if (a.getSnapshot().status !== 'done') throw new Error('naive lifecycle incomplete');
    a.stop();
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

export async function run(emit: (f: Figure) => void): Promise<void> {
  tradestate(1000);
  naive(1000);
  const ts: number[] = [];
  const nv: number[] = [];
  const busy: number[] = [];
  for (let r = 0; r < 5; r++) {
    ts.push(tradestate(N));
    nv.push(naive(N));
    busy.push(tradestate(N, 10_000));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  emit({ suite: 'orders', case: 'lifecycle', impl: 'tradestate', value: median(ts), unit: 'ns/op' });
  emit({ suite: 'orders', case: 'lifecycle', impl: 'xstate-naive', value: median(nv), unit: 'ns/op' });
  emit({
    suite: 'orders',
    case: 'lifecycle-10k-working',
    impl: 'tradestate',
    value: median(busy),
    unit: 'ns/op'
  });
  // the same path seen as OMS throughput: orders per second through submit → ack → fill
  emit({
    suite: 'orders',
    case: 'oms-throughput',
    impl: 'tradestate',
    value: 1e9 / median(ts),
    unit: 'orders/s'
  });
}
