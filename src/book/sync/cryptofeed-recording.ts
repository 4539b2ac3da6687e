import { ErrorCode, TradestateError } from '../../core/errors.ts';

/** One line of a cryptofeed raw recording. */
export interface RecordingLine {
  /** `open` = connection opened, `sent` = client → server, `received` = server → client, `http` = REST response. */
  readonly kind: 'open' | 'sent' | 'received' | 'http';
  /** Connection or request URL (absent for received messages). */
  readonly url: string | undefined;
  /** Local unix time in seconds (as recorded). */
  readonly ts: number;
  /** The JSON payload as text (absent for `open`). */
  readonly json: string | undefined;
}

const LINE_RE = /^(?:(\S+) (<->|<-|->) )?(\d+(?:\.\d+)?)(?:: (.*))?$/s;

/**
 * Parse one line of a cryptofeed "raw data" recording (l2book/SOURCE.txt):
 * `<url> <-> <ts>` (connection opened), `<url> <- <ts>: <json>` (sent), `<ts>: <json>` (received),
 * `<http url> -> <ts>: <json>` (REST response). Blank lines give undefined; anything else is
 * `TRD_ERR_DATA_INVALID`.
 */
export function parseRecordingLine(line: string): RecordingLine | undefined {
  const s = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (s.trim() === '') return undefined;
  const m = LINE_RE.exec(s);
  if (!m)
    throw new TradestateError(ErrorCode.DATA_INVALID, 'not a recording line', { line: s.slice(0, 120) });
  const [, url, arrow, ts, json] = m;
  const kind = arrow === '<->' ? 'open' : arrow === '<-' ? 'sent' : arrow === '->' ? 'http' : 'received';
  if ((kind === 'open') !== (json === undefined)) {
    throw new TradestateError(ErrorCode.DATA_INVALID, 'recording line payload does not fit its kind', {
      line: s.slice(0, 120)
    });
  }
  return { kind, url, ts: Number(ts), json };
}
