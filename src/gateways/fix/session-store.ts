import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { FixFramer } from './framer.ts';
import { parseFix } from './parser.ts';

/** What a FIX session persists: next sequence numbers each way and the messages it sent (for resends). */
export interface FixSessionStore {
  /** Next MsgSeqNum to send and next expected from the peer (1/1 for a new session). */
  load(): { readonly nextOut: number; readonly nextIn: number };
  saveSeqNums(nextOut: number, nextIn: number): void;
  /** Keep an outgoing message under its MsgSeqNum for a later ResendRequest. */
  saveMessage(seq: number, bytes: Uint8Array): void;
  getMessage(seq: number): Uint8Array | undefined;
  /** Start over: sequence numbers 1/1 and no stored messages (ResetSeqNumFlag). */
  reset(): void;
}

/** In-memory store (tests; sessions that may lose state on restart). */
export class MemorySessionStore implements FixSessionStore {
  #nextOut: number;
  #nextIn: number;
  readonly #msgs = new Map<number, Uint8Array>();

  constructor(nextOut = 1, nextIn = 1) {
    this.#nextOut = nextOut;
    this.#nextIn = nextIn;
  }

  load(): { nextOut: number; nextIn: number } {
    return { nextOut: this.#nextOut, nextIn: this.#nextIn };
  }

  saveSeqNums(nextOut: number, nextIn: number): void {
    this.#nextOut = nextOut;
    this.#nextIn = nextIn;
  }

  saveMessage(seq: number, bytes: Uint8Array): void {
    this.#msgs.set(seq, bytes);
  }

  getMessage(seq: number): Uint8Array | undefined {
    return this.#msgs.get(seq);
  }

  reset(): void {
    this.#nextOut = 1;
    this.#nextIn = 1;
    this.#msgs.clear();
  }

  get size(): number {
    return this.#msgs.size;
  }
}

/**
 * File store at an injected path prefix: `<prefix>.seqnums` (JSON, replaced atomically by write + rename)
 * and `<prefix>.body` (sent messages appended as raw FIX, which frames itself, re-read on start).
 */
export class FileSessionStore implements FixSessionStore {
  readonly #seqPath: string;
  readonly #bodyPath: string;
  readonly #mem: MemorySessionStore;

  constructor(prefix: string) {
    this.#seqPath = `${prefix}.seqnums`;
    this.#bodyPath = `${prefix}.body`;
    mkdirSync(dirname(prefix), { recursive: true });
    let nextOut = 1;
    let nextIn = 1;
    if (existsSync(this.#seqPath)) {
      try {
        const j = JSON.parse(readFileSync(this.#seqPath, 'utf8')) as { nextOut?: unknown; nextIn?: unknown };
        if (!Number.isSafeInteger(j.nextOut) || !Number.isSafeInteger(j.nextIn))
          throw new Error('bad numbers');
        nextOut = j.nextOut as number;
        nextIn = j.nextIn as number;
      } catch (e) {
        throw new TradestateError(
          ErrorCode.DATA_INVALID,
          `FIX session store ${this.#seqPath} is corrupt`,
          { path: this.#seqPath },
          { cause: e }
        );
      }
    }
    this.#mem = new MemorySessionStore(nextOut, nextIn);
    if (existsSync(this.#bodyPath)) {
      const framer = new FixFramer();
      for (const item of framer.push(readFileSync(this.#bodyPath))) {
        if (item.kind !== 'frame') continue;
        try {
          const seq = parseFix(item.bytes).getInt(34);
          if (seq !== undefined) this.#mem.saveMessage(seq, item.bytes);
        } catch {
          // a torn last write: ignore the partial message (it will be gap-filled)
        }
      }
    }
  }

  load(): { nextOut: number; nextIn: number } {
    return this.#mem.load();
  }

  saveSeqNums(nextOut: number, nextIn: number): void {
    this.#mem.saveSeqNums(nextOut, nextIn);
    const tmp = `${this.#seqPath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ nextOut, nextIn }));
    renameSync(tmp, this.#seqPath);
  }

  saveMessage(seq: number, bytes: Uint8Array): void {
    this.#mem.saveMessage(seq, bytes);
    appendFileSync(this.#bodyPath, bytes);
  }

  getMessage(seq: number): Uint8Array | undefined {
    return this.#mem.getMessage(seq);
  }

  reset(): void {
    this.#mem.reset();
    rmSync(this.#bodyPath, { force: true });
    this.saveSeqNums(1, 1);
  }
}
