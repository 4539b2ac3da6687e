import { ErrorCode, isTradestateError } from '../core/errors.ts';

/** Where a CLI command writes; injectable so tests capture output. */
export interface CliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly isTTY: boolean;
  readonly stdout?: NodeJS.WriteStream;
}

/** Exit codes: 0 success, 1 failure while running, 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

/**
 * Report a command's failure as its one line on stderr, `tradestate: <reason> [TRD_ERR_CODE]`, and give its exit
 * code: a typed error with its code (bad usage, `TRD_ERR_CLI_USAGE`, exits 2); a `node:util` parseArgs error (an
 * unknown option, an option without its value, an extra argument) as `TRD_ERR_CLI_USAGE` naming `command`; any
 * other error is an internal error, printed with its stack (exit 1).
 */
export function reportFailure(e: unknown, command: string, io: Pick<CliIo, 'err'>): number {
  if (isTradestateError(e)) {
    io.err(`tradestate: ${e.message} [${e.code}]\n`);
    return e.code === ErrorCode.CLI_USAGE ? EXIT_USAGE : EXIT_FAIL;
  }
  const code = (e as { code?: string } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.err(`tradestate: ${command}: ${(e as Error).message} [${ErrorCode.CLI_USAGE}]\n`);
    return EXIT_USAGE;
  }
  io.err(`tradestate: internal error: ${(e as Error | null)?.stack ?? String(e)}\n`);
  return EXIT_FAIL;
}
