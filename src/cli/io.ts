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
