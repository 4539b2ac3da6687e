/** Set by bin/strip-types.js on a thread where it registered its hook: the preload's file URL. */
const PRELOAD_KEY = Symbol.for('tradestate.stripTypesPreload');

/**
 * The `execArgv` for a worker thread we start: this thread's, plus `--import` of the off-thread type-stripping
 * preload (bin/strip-types.js) when this thread runs it but its `execArgv` does not name it. That is the case
 * in a program started from the `tradestate` launcher, which imports the preload instead of passing
 * `--import`; without this, its workers would strip types themselves and lose V8's ArrayBufferDetaching
 * protector (docs/PERFORMANCE.md).
 */
export function workerExecArgv(): string[] {
  const args = [...process.execArgv];
  const preload = (globalThis as Record<symbol, unknown>)[PRELOAD_KEY];
  if (typeof preload === 'string' && !args.some((a) => a.includes('strip-types.js'))) {
    args.push('--import', preload);
  }
  return args;
}
