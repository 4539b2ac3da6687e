import { createRequire } from 'node:module';

/**
 * jspurefix run in-process as the counterparty. jspurefix is CommonJS with tsyringe DI (needs
 * reflect-metadata); a session is an AsciiSession subclass resolved from the session container.
 */
const require = createRequire(import.meta.url);
require('reflect-metadata');
// biome-ignore lint/suspicious/noExplicitAny: jspurefix ships CommonJS without types we can import here
const jsp: any = require('jspurefix');

export interface PeerEvents {
  app: (msgType: string, obj: Record<string, unknown>, view: unknown) => void;
  ready: () => void;
  stopped: (e?: Error) => void;
}

export interface PeerOptions {
  readonly role: 'initiator' | 'acceptor';
  readonly port: number;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly heartBtIntSec?: number;
  readonly resetSeqNumFlag?: boolean;
  /**
   * Keep sequence numbers and sent messages across reconnects (one in-memory store for every connection);
   * otherwise each connection starts from 1. Not jspurefix's file store: it persists sequence numbers with
   * overlapping, non-atomic `writeFile`s, so a connection accepted moments after a cut can read an empty or
   * stale file and log on with MsgSeqNum 1. We then (rightly) log out as "too low", and jspurefix, which
   * advances past a gap as soon as it asks for the resend, never gets the missing messages.
   */
  readonly keepStore?: boolean;
  /** Acceptor: serve TLS with this certificate and key (PEM text); clients are not asked for certificates. */
  readonly tls?: { readonly key: string; readonly cert: string };
  readonly on: Partial<PeerEvents>;
}

/** A handle on the running jspurefix session(s). */
export interface JspurefixPeer {
  /** The current session (the latest connection for an acceptor). */
  session(): { send(msgType: string, obj: Record<string, unknown>): void; done(): void } | undefined;
  /** Stop listening / give up, and end the current session. */
  stop(): void;
  readonly finished: Promise<unknown>;
}

const quietLogs = () => {
  const noop = () => {};
  const logger = { info: noop, warning: noop, error: noop, debug: noop };
  return { logger: () => logger, plain: () => logger };
};

export async function startJspurefix(o: PeerOptions): Promise<JspurefixPeer> {
  const description = {
    application: {
      type: o.role,
      name: `jsp-${o.role}`,
      reconnectSeconds: 1,
      tcp: {
        host: '127.0.0.1',
        port: o.port,
        ...(o.tls
          ? {
              tls: {
                requestCert: false,
                rejectUnauthorized: false,
                nodeTlsServerOptions: { key: o.tls.key, cert: o.tls.cert }
              }
            }
          : {})
      },
      protocol: 'ascii',
      dictionary: 'qf42'
    },
    Username: 'u',
    Password: 'p',
    EncryptMethod: 0,
    ResetSeqNumFlag: o.resetSeqNumFlag ?? true,
    HeartBtInt: o.heartBtIntSec ?? 5,
    SenderCompId: o.senderCompId,
    TargetCompID: o.targetCompId,
    BeginString: 'FIX.4.2',
    BodyLengthChars: 4
  };
  let kept: unknown;
  const keptStore = { create: (id: unknown) => (kept ??= new jsp.MemorySessionStore(id)) };
  let current: InstanceType<typeof jsp.AsciiSession> | undefined;
  class PeerSession extends jsp.AsciiSession {
    constructor(config: { sessionStoreFactory?: unknown }) {
      if (o.keepStore) config.sessionStoreFactory = keptStore;
      super(config);
      current = this;
    }
    onApplicationMsg(msgType: string, view: { toObject(): Record<string, unknown> }): void {
      o.on.app?.(msgType, view.toObject(), view);
    }
    onReady(): void {
      o.on.ready?.();
    }
    onStopped(e?: Error): void {
      o.on.stopped?.(e);
    }
    onLogon(): boolean {
      return true;
    }
    onDecoded(): void {}
    onEncoded(): void {}
    sendMessage(msgType: string, obj: Record<string, unknown>): void {
      this.send(msgType, obj);
    }
  }
  const sys = new jsp.SessionContainer();
  sys.registerGlobal(quietLogs());
  const container = await sys.makeSystem(description);
  container.register(jsp.DITokens.FixSession, {
    useFactory: (c: { resolve(t: unknown): unknown }) =>
      new PeerSession(c.resolve(jsp.DITokens.IJsFixConfig) as { sessionStoreFactory?: unknown })
  });
  const entity = container.resolve(jsp.DITokens.FixEntity);
  const finished = Promise.resolve(entity.start()).catch((e: unknown) => e);
  return {
    session: () =>
      current && {
        send: (t: string, obj: Record<string, unknown>) => current.sendMessage(t, obj),
        done: () => current.done()
      },
    stop: () => {
      current?.done();
      if (typeof entity.stop === 'function') entity.stop();
    },
    finished
  };
}
