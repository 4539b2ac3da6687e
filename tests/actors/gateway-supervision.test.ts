import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor, enqueueActions } from 'xstate';
import { fixTcpTransport } from '../../src/actors/fix-tcp.actor.ts';
import { wsFeedTransport } from '../../src/actors/ws-feed.actor.ts';
import { createFixSession, type FixSessionActor } from '../../src/gateways/fix/fix-session.ts';
import { FileSessionStore, MemorySessionStore } from '../../src/gateways/fix/session-store.ts';
import { binanceAdapter } from '../../src/gateways/ws/adapters.ts';
import { binanceDepthFetcher } from '../../src/gateways/ws/binance-rest.ts';
import { fixSessionMachine } from '../../src/machines/fix-session.machine.ts';
import { killSwitchMachine } from '../../src/machines/kill-switch.machine.ts';
import type { SupervisorEmitted } from '../../src/machines/supervisor.machine.ts';
import { NodeIds, tradingNodeMachine } from '../../src/machines/trading-node.machine.ts';
import { wsFeedMachine } from '../../src/machines/ws-feed.machine.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { dict } from '../gateways/fix-support.ts';
import { binanceReplay } from '../gateways/support/binance-replay.ts';
import { BINANCE_US } from '../gateways/support/ws-harness.ts';
import { until } from '../support/until.ts';

const clock = new LiveClock();
const policy = (intensity: number) => ({
  strategy: 'one_for_one' as const,
  intensity,
  periodMs: 60_000,
  backoff: { minMs: 20, maxMs: 50, factor: 2 }
});
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

async function acceptor(): Promise<{ session: FixSessionActor; port: number }> {
  const session = createFixSession(
    {
      role: 'acceptor',
      senderCompId: 'SRV',
      targetCompId: 'CLI',
      heartBtIntSec: 5,
      resetOnLogon: false,
      dictionary: dict,
      host: '127.0.0.1',
      port: 0
    },
    new MemorySessionStore(),
    clock
  );
  session.start();
  cleanup.push(() => session.stop());
  const port = await new Promise<number>((resolve) => {
    session.on('fix.listening', (e) => resolve(e.port));
    session.send({ type: 'session.start' });
  });
  return { session, port };
}

/**
 * A trading node whose gateway supervisor runs a real FIX initiator over loopback TCP. `crash()` arms a fault:
 * the initiator's next sequence-number save throws, so the session actor fails as a bug would make it fail.
 */
function nodeWithFixGateway(port: number, intensity: number) {
  let armed = false;
  const store = new FileSessionStore(join(mkdtempSync(join(tmpdir(), 'ts-fixsup-')), 'CLI-SRV'));
  const initiator = fixSessionMachine.provide({
    actors: { transport: fixTcpTransport },
    actions: {
      persistSeqNums: ({ context }, p: { nextOut: number; nextIn: number }) => {
        if (armed) {
          armed = false;
          throw new Error('injected gateway fault');
        }
        context.store.saveSeqNums(p.nextOut, p.nextIn);
      }
    }
  });
  const events: SupervisorEmitted[] = [];
  const logons: number[] = [];
  const node = createActor(
    tradingNodeMachine.provide({
      actors: { killSwitch: killSwitchMachine.provide({ actions: { cancelAllOrders: () => {} } }) }
    }),
    {
      input: {
        killSwitch: {},
        strategies: { name: 'strategies', policy: policy(3), children: [] },
        gateways: {
          name: 'gateways',
          policy: policy(intensity),
          children: [
            {
              id: 'fix:CLI-SRV',
              systemId: 'fix:CLI-SRV',
              src: initiator,
              input: {
                config: {
                  role: 'initiator',
                  senderCompId: 'CLI',
                  targetCompId: 'SRV',
                  heartBtIntSec: 5,
                  resetOnLogon: false,
                  dictionary: dict,
                  host: '127.0.0.1',
                  port,
                  reconnect: { minMs: 20, maxMs: 50, factor: 2 }
                },
                store,
                clock
              },
              restart: 'permanent'
            }
          ]
        }
      }
    }
  );
  const session = (): AnyActorRef | undefined => node.system.get('fix:CLI-SRV');
  const startSession = (): void => {
    const s = session();
    s?.on('fix.loggedOn', (e: { nextOut: number }) => logons.push(e.nextOut));
    s?.send({ type: 'session.start' });
  };
  node.start();
  cleanup.push(() => node.stop());
  node.system.get(NodeIds.gateways)!.on('*', (e: unknown) => {
    const ev = e as SupervisorEmitted;
    events.push(ev);
    // a restarted gateway starts its session again (as the node's gateway wiring does)
    if (ev.type === 'supervisor.child_restarted') startSession();
  });
  startSession();
  return { node, events, logons, crash: () => void (armed = true), session };
}

describe('gateway actors under the node supervisor', () => {
  it('a FIX session that crashes is restarted and logs on again, its sequence numbers kept by the file store', async () => {
    const { port } = await acceptor();
    const n = nodeWithFixGateway(port, 3);
    await until(() => n.logons.length === 1, 5000, 'first logon');
    n.crash();
    n.session()?.send({ type: 'session.send', msgType: '0', fields: [] }); // any outgoing message persists seq numbers
    await until(() => n.events.some((e) => e.type === 'supervisor.child_restarted'), 5000, 'restart');
    await until(() => n.logons.length === 2, 5000, 'second logon');
    expect(n.events.map((e) => e.type)).toEqual([
      'supervisor.child_failed',
      'supervisor.child_restarting',
      'supervisor.child_restarted'
    ]);
    expect(n.events[0]).toMatchObject({
      childId: 'fix:CLI-SRV',
      error: expect.stringContaining('injected gateway fault')
    });
    // the restarted session continues the sequence instead of starting again at 1
    expect(n.logons[1]!).toBeGreaterThan(n.logons[0]!);
    expect(n.node.system.get(NodeIds.killSwitch)!.getSnapshot().value).toBe('ACTIVE');
  });

  it('crashing past the restart intensity escalates to the kill switch, which halts trading', async () => {
    const { port } = await acceptor();
    const n = nodeWithFixGateway(port, 0);
    await until(() => n.logons.length === 1, 5000, 'first logon');
    n.crash();
    n.session()?.send({ type: 'session.send', msgType: '0', fields: [] });
    await until(() => n.events.some((e) => e.type === 'supervisor.escalated'), 5000, 'escalation');
    expect(n.node.system.get(NodeIds.killSwitch)!.getSnapshot().value).toBe('HALTED');
  });
});

describe('feed actors under the node supervisor', () => {
  it('a WebSocket feed that crashes is restarted, reconnects and resubscribes, and data flows again', async () => {
    // paced: 2 frames every 10 ms, so the crash and the restart happen mid-stream
    const server = await binanceReplay('BINANCE_US.ws.1.0', 'BINANCE_US.http.0.0', () => ({
      burst: 2,
      pauseMs: 10
    }));
    cleanup.push(() => void server.close());
    let armed = false;
    let items = 0;
    const feedLogic = wsFeedMachine.provide({
      actors: {
        transport: wsFeedTransport({
          url: server.wsUrl,
          adapter: binanceAdapter(BINANCE_US, binanceDepthFetcher(server.restUrl), clock),
          clock
        })
      },
      actions: {
        // the fault strikes on the next keep-alive ping
        ping: enqueueActions(({ enqueue }) => {
          if (armed) {
            armed = false;
            throw new Error('injected feed fault');
          }
          enqueue.sendTo('transport', { type: 'transport.ping' });
        })
      }
    });
    const events: SupervisorEmitted[] = [];
    const node = createActor(
      tradingNodeMachine.provide({
        actors: { killSwitch: killSwitchMachine.provide({ actions: { cancelAllOrders: () => {} } }) }
      }),
      {
        input: {
          killSwitch: {},
          strategies: { name: 'strategies', policy: policy(3), children: [] },
          gateways: {
            name: 'gateways',
            policy: policy(3),
            children: [
              {
                id: 'feed:binance-us',
                systemId: 'feed:binance-us',
                src: feedLogic,
                input: {
                  needsAuth: false,
                  books: true,
                  resyncBy: 'snapshot',
                  symbols: ['COMPUSDT', 'CRVUSDT'],
                  seed: 7,
                  pingMs: 200,
                  staleMs: 2000,
                  backoff: { minMs: 10, maxMs: 40 }
                },
                restart: 'permanent'
              }
            ]
          }
        }
      }
    );
    node.start();
    cleanup.push(() => node.stop());
    const start = (): void => {
      const feed = node.system.get('feed:binance-us');
      feed?.on('feed.data', (e: { items: readonly unknown[] }) => void (items += e.items.length));
      feed?.send({ type: 'feed.start' });
    };
    node.system.get(NodeIds.gateways)!.on('*', (e: unknown) => {
      const ev = e as SupervisorEmitted;
      events.push(ev);
      if (ev.type === 'supervisor.child_restarted') start();
    });
    start();
    await until(() => items > 0, 5000, 'first data');
    const subscribesBefore = server.subscribes.length;
    armed = true;
    await until(() => events.some((e) => e.type === 'supervisor.child_restarted'), 5000, 'restart');
    const itemsAtRestart = items;
    await until(() => items > itemsAtRestart + 20, 5000, 'data after restart');
    expect(events.map((e) => e.type)).toEqual([
      'supervisor.child_failed',
      'supervisor.child_restarting',
      'supervisor.child_restarted'
    ]);
    expect(events[0]).toMatchObject({
      childId: 'feed:binance-us',
      error: expect.stringContaining('injected feed fault')
    });
    // the restarted feed opened a new connection, subscribed again and resynced its books from fresh snapshots
    expect(server.subscribes.length).toBeGreaterThan(subscribesBefore);
    expect(server.done()).toBe(false);
    await until(() => Math.min(...server.restHits.values()) >= 2, 5000, 'fresh snapshots for every book');
  });
});
