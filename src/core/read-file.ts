import { readFileSync } from 'node:fs';
import { type ErrorCode, TradestateError } from './errors.ts';

/** How a file that cannot be read is reported: the typed error's code, message and context. */
export interface ReadFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** The bytes of `path`; a file that cannot be read (missing, a folder, no permission) is `fail`, with the cause. */
export function readBytes(path: string, fail: ReadFailure): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TradestateError(fail.code, fail.message, fail.context, { cause: e });
  }
}

/** The text of `path` in `encoding` (default UTF-8); a file that cannot be read is `fail`, with the cause. */
export function readText(path: string, fail: ReadFailure, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(path, encoding);
  } catch (e) {
    throw new TradestateError(fail.code, fail.message, fail.context, { cause: e });
  }
}
