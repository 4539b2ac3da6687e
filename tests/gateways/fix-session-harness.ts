import { type Actor, createActor, fromCallback } from 'xstate';
import { FixEncoder, type FixField } from '../../src/gateways/fix/encoder.ts';
import { type FixMessage, parseFix } from '../../src/gateways/fix/parser.ts';
import { decodeInbound, encodeOutbound, type FixSessionConfig } from '../../src/gateways/fix/session.ts';
import { type FixSessionStore, MemorySessionStore } from '../../src/gateways/fix/session-store.ts';
import {
  type FixSessionEmitted,
  type FixTransportCommand,
  type FixTransportInput,
  fixSessionMachine
} from '../../src/machines/fix-session.machine.ts';
import { SimulatedClock } from '../../src/time/clock.ts';
import { dict } from './fix-support.ts';

export const T0 = 1_704_164_645_000_000_000n; // 2024-01-02T03:04:05Z

export function sessionConfig(
  role: 'initiator' | 'acceptor',
  over: Partial<FixSessionConfig> = {}
): FixSessionConfig {
  return {
    role,
    senderCompId: role === 'initiator' ? 'CLI' : 'SRV',
    targetCompId: role === 'initiator' ? 'SRV' : 'CLI',
    heartBtIntSec: 30,
    resetOnLogon: false,
    dictionary: dict,
    host: '127.0.0.1',
    port: 0,
    reconnect: { minMs: 1000, maxMs: 8000, factor: 2 },
    ...over
  };
}

/**
 * Drives one session machine with a recording transport and a simulated clock, and plays the peer:
 * `peer(...)` encodes a message from the counterparty and delivers it as `transport.inbound`.
 */
export class SessionHarness {
  readonly clock = new SimulatedClock(T0);
  readonly commands: FixTransportCommand[] = [];
  readonly emitted: FixSessionEmitted[] = [];
  readonly actor: Actor<typeof fixSessionMachine>;
  readonly cfg: FixSessionConfig;
  readonly store: FixSessionStore;
  /** Next MsgSeqNum the peer will use. */
  peerSeq = 1;
  readonly #enc = new FixEncoder();

  constructor(cfg: FixSessionConfig, store: FixSessionStore = new MemorySessionStore()) {
    this.cfg = cfg;
    this.store = store;
    const commands = this.commands;
    const transport = fromCallback<FixTransportCommand, FixTransportInput>(({ receive }) => {
      receive((c) => commands.push(c));
    });
    this.actor = createActor(fixSessionMachine.provide({ actors: { transport } }), {
      input: { config: cfg, store, clock: this.clock },
      clock: this.clock
    });
    this.actor.on('*', (e) => this.emitted.push(e));
    this.actor.start();
  }

  get state(): unknown {
    return this.actor.getSnapshot().value;
  }

  get ctx() {
    return this.actor.getSnapshot().context;
  }

  /** Messages written to the transport, parsed. */
  get sent(): FixMessage[] {
    return this.commands.filter((c) => c.type === 'transport.write').map((c) => parseFix(c.bytes));
  }

  sentTypes(): string[] {
    return this.sent.map((m) => m.msgType);
  }

  lastSent(): FixMessage {
    return this.sent.at(-1)!;
  }

  clearSent(): void {
    this.commands.length = 0;
  }

  emittedOf<T extends FixSessionEmitted['type']>(type: T): Extract<FixSessionEmitted, { type: T }>[] {
    return this.emitted.filter((e): e is Extract<FixSessionEmitted, { type: T }> => e.type === type);
  }

  /** Bytes of a message from the peer (default: next peer seq, SendingTime = now). */
  peerBytes(
    msgType: string,
    body: readonly FixField[] = [],
    o: { seq?: number; possDup?: boolean; orig?: string; sender?: string; sendingTime?: bigint } = {}
  ): Uint8Array {
    const seq = o.seq ?? this.peerSeq++;
    return encodeOutbound(
      this.#enc,
      { senderCompId: o.sender ?? this.cfg.targetCompId, targetCompId: this.cfg.senderCompId },
      msgType,
      seq,
      o.sendingTime ?? this.clock.now(),
      body,
      o.possDup ? { origSendingTime: o.orig ?? '20240102-03:00:00.000' } : undefined
    );
  }

  /** Deliver a peer message (or raw bytes) as the transport would. */
  peer(
    msgType: string,
    body: readonly FixField[] = [],
    o: Parameters<SessionHarness['peerBytes']>[2] = {}
  ): void {
    this.deliver(this.peerBytes(msgType, body, o));
  }

  deliver(bytes: Uint8Array): void {
    this.actor.send({ type: 'transport.inbound', connId: this.ctx.connId, item: decodeInbound(bytes, dict) });
  }

  connected(): void {
    this.actor.send({
      type: 'transport.connected',
      connId: this.ctx.connId + (this.cfg.role === 'acceptor' ? 1 : 0)
    });
  }

  dropped(): void {
    this.actor.send({ type: 'transport.disconnected', connId: this.ctx.connId, reason: 'test drop' });
  }

  advanceMs(ms: number): void {
    this.clock.advanceTo(this.clock.now() + BigInt(ms) * 1_000_000n);
  }

  /** Initiator: start, connect and complete the Logon exchange. */
  logOnInitiator(): void {
    this.actor.send({ type: 'session.start' });
    this.connected();
    this.peer('A', [
      [98, 0],
      [108, this.cfg.heartBtIntSec]
    ]);
  }

  /** Acceptor: start, accept a connection and receive the peer's Logon. */
  logOnAcceptor(reset = false): void {
    this.actor.send({ type: 'session.start' });
    this.connected();
    this.peer('A', [[98, 0], [108, this.cfg.heartBtIntSec], ...(reset ? ([[141, 'Y']] as FixField[]) : [])]);
  }
}

/** A valid NewOrderSingle body. */
export function nosBody(id: string): FixField[] {
  return [
    [11, id],
    [21, '1'],
    [55, 'AAPL'],
    [54, '1'],
    [60, '20240102-03:04:05.000'],
    [38, '100'],
    [40, '2'],
    [44, '12.50']
  ];
}
