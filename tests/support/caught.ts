import { isTradestateError, type TradestateError } from '../../src/core/errors.ts';

/** The TradestateError `f` throws; anything else it throws is rethrown, and not throwing fails. */
export function caught(f: () => unknown): TradestateError {
  try {
    f();
  } catch (e) {
    if (isTradestateError(e)) return e;
    throw e;
  }
  throw new Error('expected a TradestateError');
}

/** The code of the TradestateError `f` throws, or undefined when it does not throw; anything else is rethrown. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isTradestateError(e)) return e.code;
    throw e;
  }
  return undefined;
}
