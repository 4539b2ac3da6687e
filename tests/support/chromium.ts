import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

/*
 * A real headless Chromium (Debian's `chromium` package; CI installs it) driven over the Chrome DevTools
 * Protocol with the `ws` package: one browser per test, a profile in a temporary directory, one page target
 * attached in flat mode. Tests navigate the page and read the DOM with Runtime.evaluate, as a user would see it.
 */

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** A page in a headless Chromium. */
export interface ChromiumPage {
  /** Navigate and wait for the load event. */
  navigate(url: string): Promise<void>;
  /** Evaluate an expression in the page; returns its value (JSON-serialisable results only). */
  evaluate<T>(expression: string): Promise<T>;
  /** Poll `expression` until `accept` holds for its value, every 50 ms, for at most `ms`. */
  waitFor<T>(expression: string, accept: (v: T) => boolean, ms: number, what: string): Promise<T>;
  /** Kill the browser and remove its profile (idempotent). */
  close(): Promise<void>;
}

interface CdpMessage {
  readonly id?: number;
  readonly method?: string;
  readonly sessionId?: string;
  readonly result?: Record<string, unknown>;
  readonly error?: { message: string };
  readonly params?: Record<string, unknown>;
}

/** Launch headless Chromium, open a blank page and attach to it. */
export async function launchChromium(timeoutMs = 10_000): Promise<ChromiumPage> {
  const dir = mkdtempSync(join(tmpdir(), 'tradestate-chromium-'));
  const proc: ChildProcess = spawn(
    CHROMIUM,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-breakpad',
      '--disable-crash-reporter',
      '--no-first-run',
      '--no-default-browser-check',
      '--remote-debugging-port=0',
      `--user-data-dir=${dir}`,
      'about:blank'
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let closed = false;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const running = (): boolean => proc.exitCode === null && proc.signalCode === null;
  /** Ask the browser to close (it takes its helper processes along), then kill it if it has not within 2 s. */
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (ws?.readyState === WebSocket.OPEN && running()) {
      ws.send(JSON.stringify({ id: 0, method: 'Browser.close' }));
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
    }
    ws?.terminate();
    if (running()) {
      proc.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let ws: WebSocket | undefined;
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(
        () => reject(new Error(`chromium did not print its DevTools URL in ${timeoutMs} ms:\n${stderr}`)),
        timeoutMs
      );
      proc.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chromium exited (${code}) before listening:\n${stderr}`));
      });
    });
    proc.stderr?.resume();
    const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
    ws = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    let nextId = 0;
    const waiting = new Map<
      number,
      { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
    >();
    const events: CdpMessage[] = [];
    socket.on('message', (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as CdpMessage;
      if (msg.id === undefined) {
        events.push(msg);
        return;
      }
      const w = waiting.get(msg.id);
      if (!w) return;
      waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(`CDP: ${msg.error.message}`));
      else w.resolve(msg.result ?? {});
    });
    socket.on('close', () => {
      for (const w of waiting.values()) w.reject(new Error('CDP connection closed'));
      waiting.clear();
    });
    const send = (
      method: string,
      params: Record<string, unknown> = {},
      sessionId?: string
    ): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        waiting.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      });

    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    await send('Page.enable', {}, sessionId);
    await send('Runtime.enable', {}, sessionId);

    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as {
        result: { value?: T };
        exceptionDetails?: { text: string; exception?: { description?: string } };
      };
      if (r.exceptionDetails)
        throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value as T;
    };
    return {
      async navigate(url) {
        const from = events.length;
        const r = (await send('Page.navigate', { url }, sessionId)) as { errorText?: string };
        if (r.errorText) throw new Error(`navigate ${url}: ${r.errorText}`);
        const t0 = Date.now();
        while (
          !events.slice(from).some((e) => e.sessionId === sessionId && e.method === 'Page.loadEventFired')
        ) {
          if (Date.now() - t0 > timeoutMs) throw new Error(`${url} did not load in ${timeoutMs} ms`);
          await new Promise((res) => setTimeout(res, 20));
        }
      },
      evaluate,
      async waitFor<T>(expression: string, accept: (v: T) => boolean, ms: number, what: string): Promise<T> {
        const t0 = Date.now();
        let last: T | undefined;
        for (;;) {
          last = await evaluate<T>(expression);
          if (accept(last)) return last;
          if (Date.now() - t0 > ms)
            throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
          await new Promise((res) => setTimeout(res, 50));
        }
      },
      close
    };
  } catch (e) {
    await close();
    throw e;
  }
}
