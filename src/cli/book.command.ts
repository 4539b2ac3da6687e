import { parseArgs } from 'node:util';
import { runLobsterReplay } from '../book/lobster-replay.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type CliIo, EXIT_OK } from './io.ts';

export const BOOK_HELP = `Usage: tradestate book replay --lobster MESSAGE.csv [--orderbook ORDERBOOK.csv]

Replay a LOBSTER message file through the L3 book builder. Prints messages/sec and, given the
matching orderbook file, how many book rows match and differ after each message. The last line
is one JSON object: {"messages","matched","mismatched","msgsPerSec"}.

Options:
  --lobster FILE     LOBSTER message file (time, type, order id, size, price, direction)
  --orderbook FILE   LOBSTER orderbook file with the book after each message (optional)
  -h, --help         show this help
`;

/** `tradestate book …` */
export async function bookCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(BOOK_HELP);
    return sub === undefined ? 2 : EXIT_OK;
  }
  if (sub !== 'replay')
    throw new TradestateError(ErrorCode.CLI_USAGE, `unknown book command "${sub}" (try: book replay --help)`);
  const { values } = parseArgs({
    args: rest,
    options: {
      lobster: { type: 'string' },
      orderbook: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  });
  if (values.help) {
    io.out(BOOK_HELP);
    return EXIT_OK;
  }
  if (!values.lobster)
    throw new TradestateError(ErrorCode.CLI_USAGE, 'book replay needs --lobster MESSAGE.csv');
  runLobsterReplay({
    messageFile: values.lobster,
    ...(values.orderbook !== undefined ? { orderbookFile: values.orderbook } : {}),
    write: (line) => io.out(line.endsWith('\n') ? line : `${line}\n`)
  });
  return EXIT_OK;
}
