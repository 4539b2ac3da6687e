import { parseArgs } from 'node:util';
import { parseDuration } from '../core/duration.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { runSweepWorker } from '../sweep/redis-sweep.ts';
import { type CliIo, EXIT_OK } from './io.ts';
import { intOption, paramsLabel, redisOption } from './options.ts';

/** `tradestate sweep-worker --help` */
export const SWEEP_WORKER_HELP = `Usage: tradestate sweep-worker --redis URL [--threads N] [--idle-exit DUR]

Take points of distributed sweeps (\`tradestate sweep --redis URL\`) from a Redis server, backtest them and
send the results back, until interrupted (Ctrl-C or SIGTERM: the points in hand are finished first) or idle.
Run as many as you like, on any machines that see the swept config files and their data at the same paths.

Options:
  --redis URL       redis://[user[:pass]@]host[:port][/db]
  --threads N       points run at once, each on its own worker thread (default 1)
  --idle-exit DUR   stop after DUR without a point to run (e.g. 5m); default: never
  -h, --help        show this help
`;

/** `tradestate sweep-worker …` */
export async function sweepWorkerCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' },
      threads: { type: 'string', default: '1' },
      'idle-exit': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  });
  if (values.help) {
    io.out(SWEEP_WORKER_HELP);
    return EXIT_OK;
  }
  if (values.redis === undefined) throw new TradestateError(ErrorCode.CLI_USAGE, '--redis URL is required');
  redisOption(values.redis);
  const threads = intOption('threads', values.threads, 1, 256);
  const idle = values['idle-exit'];
  const idleExitMs = idle === undefined ? 0 : parseDuration(idle, { option: '--idle-exit' });
  const stop = new AbortController();
  const onSignal = (): void => {
    io.err('tradestate sweep-worker: finishing the points in hand, then stopping\n');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    io.out(
      `tradestate sweep-worker: ${threads} thread${threads === 1 ? '' : 's'} on ${redactUrl(values.redis)}\n`
    );
    const ran = await runSweepWorker({
      url: values.redis,
      threads,
      idleExitMs,
      signal: stop.signal,
      onResult: (r) =>
        io.out(
          `  #${r.index} ${paramsLabel(r.params)}: ${r.error ? `failed: ${r.error.message} [${r.error.code}]` : `sharpe ${r.metrics?.sharpe.toFixed(2)}`}\n`
        ),
      onInvalid: (e) => io.err(`tradestate sweep-worker: dropped a malformed job: ${e.message} [${e.code}]\n`)
    });
    io.out(`tradestate sweep-worker: ${ran} point${ran === 1 ? '' : 's'} run; stopped\n`);
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The URL without its password, for printing. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
