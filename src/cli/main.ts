import { ErrorCode } from '../core/errors.ts';
import { DEFAULT_STORE } from '../data/store-layout.ts';
import { type CliIo, EXIT_OK, EXIT_USAGE, reportFailure } from './io.ts';

type CommandRun = (argv: string[], io: CliIo) => Promise<number>;
/** A subcommand: its one-line summary, and its module, loaded only when it runs (start-up stays small). */
type Command = { summary: string; load: () => Promise<CommandRun> };

const line = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);

const commands: Record<string, Command> = {
  run: {
    summary: 'run a backtest, or trade (--mode paper: Alpaca paper, a FIX venue or a local one)',
    load: async () => (await import('./run.command.ts')).runCommand
  },
  sweep: {
    summary: 'backtest a grid of parameters on worker threads and rank the points',
    load: async () => (await import('./sweep.command.ts')).sweepCommand
  },
  'sweep-worker': {
    summary: 'run points of distributed sweeps (sweep --redis) taken from a Redis server',
    load: async () => (await import('./sweep-worker.command.ts')).sweepWorkerCommand
  },
  'walk-forward': {
    summary: 'optimise on rolling train windows, trade the best parameters on the test windows after them',
    load: async () => (await import('./walk-forward.command.ts')).walkForwardCommand
  },
  chart: {
    summary: 'print a state chart (Mermaid or JSON)',
    load: async () => (await import('./chart.command.ts')).chartCommand
  },
  audit: {
    summary: 'query the order audit trail of a run',
    load: async () => (await import('./audit.command.ts')).auditCommand
  },
  book: {
    summary: 'order-book tools: replay LOBSTER L3 data',
    load: async () => (await import('./book.command.ts')).bookCommand
  },
  data: {
    summary: `historical data: import, ls, get (Parquet store, default ${DEFAULT_STORE}/)`,
    load: async () => {
      const { runDataCommand } = await import('../data/data-cli.ts');
      // the data commands write whole lines
      return (argv, io) =>
        runDataCommand(argv, { ...io, out: (s) => io.out(line(s)), err: (s) => io.err(line(s)) });
    }
  }
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  return `Usage: tradestate <command> [options]

Commands:
${Object.entries(commands)
  .map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run 'tradestate <command> --help' for a command's options.
`;
}

/**
 * The CLI: returns an exit code (0 success, 1 failure, 2 usage). Failures print one line,
 * `tradestate: <reason> [TRD_ERR_CODE]`, to stderr; bad usage (an unknown command or option, a missing value,
 * an extra argument) is `TRD_ERR_CLI_USAGE`.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`tradestate: unknown command "${name}" (try --help) [${ErrorCode.CLI_USAGE}]\n`);
    return EXIT_USAGE;
  }
  try {
    return await (await cmd.load())(rest, io);
  } catch (e) {
    return reportFailure(e, name, io);
  }
}

/**
 * Run the CLI as a process: `argv` from the command line, output to stdout/stderr, the exit code set on
 * `process.exitCode`. Used by `node src/cli/main.ts` and by the `bin` launcher (in-process on Node ≥ 24).
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  // output piped into a reader that stopped (`| head`): keep running (a paper session still cancels its
  // orders on the way out), just stop writing
  let stdoutGone = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutGone = true;
  });
  process.exitCode = await runCli(argv, {
    out: (s) => {
      if (!stdoutGone) process.stdout.write(s);
    },
    err: (s) => process.stderr.write(s),
    isTTY: process.stdout.isTTY === true,
    stdout: process.stdout
  });
}

if (import.meta.main) await main();
