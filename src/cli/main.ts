import { isTradestateError } from '../core/errors.ts';
import { DEFAULT_STORE, runDataCommand } from '../data/data-cli.ts';
import { AUDIT_HELP, auditCommand } from './audit.command.ts';
import { BOOK_HELP, bookCommand } from './book.command.ts';
import { CHART_HELP, chartCommand } from './chart.command.ts';
import { type CliIo, EXIT_FAIL, EXIT_OK, EXIT_USAGE } from './io.ts';
import { RUN_HELP, runCommand } from './run.command.ts';
import { SWEEP_HELP, sweepCommand } from './sweep.command.ts';
import { SWEEP_WORKER_HELP, sweepWorkerCommand } from './sweep-worker.command.ts';
import { WALK_FORWARD_HELP, walkForwardCommand } from './walk-forward.command.ts';

type Command = { summary: string; help: string; run: (argv: string[], io: CliIo) => Promise<number> };

const commands: Record<string, Command> = {
  run: { summary: 'run a backtest (or, later, paper/live trading)', help: RUN_HELP, run: runCommand },
  sweep: {
    summary: 'backtest a grid of parameters on worker threads and rank the points',
    help: SWEEP_HELP,
    run: sweepCommand
  },
  'sweep-worker': {
    summary: 'run points of distributed sweeps (sweep --redis) taken from a Redis server',
    help: SWEEP_WORKER_HELP,
    run: sweepWorkerCommand
  },
  'walk-forward': {
    summary: 'optimise on rolling train windows, trade the best parameters on the test windows after them',
    help: WALK_FORWARD_HELP,
    run: walkForwardCommand
  },
  chart: { summary: 'print a state chart (Mermaid or JSON)', help: CHART_HELP, run: chartCommand },
  audit: { summary: 'query the order audit trail of a run', help: AUDIT_HELP, run: auditCommand },
  book: { summary: 'order-book tools: replay LOBSTER L3 data', help: BOOK_HELP, run: bookCommand },
  data: {
    summary: `historical data: import, ls, get (Parquet store, default ${DEFAULT_STORE}/)`,
    help: 'Usage: tradestate data import|ls|get [options] (see tradestate data --help)\n',
    // the data commands write whole lines
    run: (argv, io) =>
      runDataCommand(argv, { ...io, out: (s) => io.out(line(s)), err: (s) => io.err(line(s)) })
  }
};

const line = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);

/** Add a subcommand (used by modules that own their CLI surface). */
export function registerCommand(name: string, command: Command): void {
  commands[name] = command;
}

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
 * `tradestate: <reason> [TRD_ERR_CODE]`, to stderr.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`tradestate: unknown command "${name}" (try --help)\n`);
    return EXIT_USAGE;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (isTradestateError(e)) {
      io.err(`tradestate: ${e.message} [${e.code}]\n`);
      return e.code === 'TRD_ERR_CLI_USAGE' ? EXIT_USAGE : EXIT_FAIL;
    }
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`tradestate ${name}: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    io.err(`tradestate: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_FAIL;
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
