import { Worker, type WorkerOptions } from 'node:worker_threads';
import { ErrorCode, TradestateError } from '../core/errors.ts';

/** Set by bin/strip-types.js on a thread where it registered its hook: the preload's file URL. */
const PRELOAD_KEY = Symbol.for('tradestate.stripTypesPreload');

/**
 * Node options forwarded to our worker threads that take a value (`--flag value` or `--flag=value`): how this
 * thread loads modules (a preload, resolution conditions, a loader) and which warnings it hides. All are
 * per-thread options a `Worker` accepts in its `execArgv`.
 */
const FORWARDED_WITH_VALUE: ReadonlySet<string> = new Set([
  '--import',
  '--require',
  '-r',
  '--conditions',
  '-C',
  '--loader',
  '--experimental-loader',
  '--disable-warning'
]);

/** Switches forwarded to our worker threads: TypeScript and module loading, source maps, warnings. */
const FORWARDED_SWITCHES: ReadonlySet<string> = new Set([
  '--experimental-strip-types',
  '--no-experimental-strip-types',
  '--strip-types',
  '--no-strip-types',
  '--experimental-transform-types',
  '--no-experimental-transform-types',
  '--experimental-require-module',
  '--no-experimental-require-module',
  '--experimental-detect-module',
  '--no-experimental-detect-module',
  '--experimental-import-meta-resolve',
  '--experimental-vm-modules',
  '--experimental-wasm-modules',
  '--preserve-symlinks',
  '--preserve-symlinks-main',
  '--enable-source-maps',
  '--no-warnings',
  '--trace-warnings',
  '--no-deprecation',
  '--trace-deprecation',
  '--throw-deprecation',
  '--pending-deprecation'
]);

/**
 * The `execArgv` for a worker thread we start: of this thread's options (`parent`, default
 * `process.execArgv`), only those that say how to load the project's code and a few warning switches (a
 * preload's `--import`, `--conditions`, `--experimental-strip-types` and the like), plus `--import` of the
 * off-thread type-stripping preload (bin/strip-types.js) when this thread runs it but its `execArgv` does not
 * name it. That is the case in a program started from the `tradestate` launcher, which imports the preload
 * instead of passing `--import`; without this, its workers would strip types themselves and lose V8's
 * ArrayBufferDetaching protector (docs/PERFORMANCE.md).
 *
 * Everything else stays behind: a worker refuses V8 and per-process options (`--max-old-space-size`,
 * `--stack-size`, `--expose-gc`, `--title`, …) with `ERR_WORKER_INVALID_EXEC_ARGV`, so forwarding them all made
 * every worker fail to start under such a flag. A worker shares its process's options anyway, and its heap
 * limits are `resourceLimits`, not flags.
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const args: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i]!;
    const eq = arg.indexOf('=');
    // Node spells its options with dashes and accepts underscores for them
    const name = (eq < 0 ? arg : arg.slice(0, eq)).replaceAll('_', '-');
    // in execArgv a separate value follows its option and never starts with '-' (anything else is an option)
    const next = parent[i + 1];
    const separateValue = eq < 0 && next !== undefined && !next.startsWith('-');
    if (FORWARDED_WITH_VALUE.has(name)) {
      args.push(arg);
      if (separateValue) args.push(parent[++i]!);
    } else if (FORWARDED_SWITCHES.has(name)) {
      args.push(arg);
    } else if (separateValue) {
      i++; // an option left behind takes its value with it
    }
  }
  const preload = (globalThis as Record<symbol, unknown>)[PRELOAD_KEY];
  if (typeof preload === 'string' && !args.some((a) => a.includes('strip-types.js'))) {
    args.push('--import', preload);
  }
  return args;
}

/**
 * `new Worker(url, options)` with {@link workerExecArgv} as its `execArgv`. Node's refusal to start it (bad
 * options; `ERR_WORKER_INVALID_EXEC_ARGV`, …) is a `TRD_ERR_THREAD_WORKER_FAILED` {@link TradestateError}
 * naming `what`, with Node's code and the `execArgv` in its context and Node's error as its cause.
 */
export function startWorkerThread(url: URL, options: WorkerOptions, what: string): Worker {
  const execArgv = workerExecArgv();
  try {
    return new Worker(url, { ...options, execArgv });
  } catch (e) {
    const nodeCode = (e as { code?: unknown } | null)?.code;
    throw new TradestateError(
      ErrorCode.THREAD_WORKER_FAILED,
      `${what} could not start: ${e instanceof Error ? e.message : String(e)}`,
      { what, nodeCode: typeof nodeCode === 'string' ? nodeCode : undefined, execArgv },
      { cause: e }
    );
  }
}
