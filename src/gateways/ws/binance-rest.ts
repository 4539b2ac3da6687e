import { type Dispatcher, request } from 'undici';
import { ErrorCode, TradestateError } from '../../core/errors.ts';

/**
 * A Binance REST depth-snapshot fetcher over undici: `GET {baseUrl}/api/v3/depth?symbol=SYM&limit=N`,
 * resolving to the response text (decoded by `decodeBinanceSnapshot`). A non-200 answer or a network
 * failure (before the answer or while reading its body) rejects with `TRD_ERR_DATA_FETCH_FAILED`, and so does a
 * fetch `signal` aborted (the feed stopped, or the connection it was for is gone). A GET is idempotent; retrying
 * is the feed's decision.
 * `baseUrl` is injectable (https://api.binance.com, https://api.binance.us, a loopback server in tests).
 */
export function binanceDepthFetcher(
  baseUrl: string,
  o: { readonly limit?: number; readonly dispatcher?: Dispatcher; readonly timeoutMs?: number } = {}
): (symbol: string, signal?: AbortSignal) => Promise<string> {
  const limit = o.limit ?? 1000;
  const timeout = o.timeoutMs ?? 10_000;
  return async (symbol, signal) => {
    const url = `${baseUrl.replace(/\/$/, '')}/api/v3/depth?symbol=${encodeURIComponent(symbol)}&limit=${limit}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(signal ? { signal } : {}),
        ...(o.dispatcher ? { dispatcher: o.dispatcher } : {})
      });
    } catch (e) {
      throw new TradestateError(
        ErrorCode.DATA_FETCH_FAILED,
        `binance depth: ${String(e)}`,
        { url },
        { cause: e }
      );
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      // the connection lost (or the body timeout hit) while reading the body
      throw new TradestateError(
        ErrorCode.DATA_FETCH_FAILED,
        `binance depth: ${String(e)}`,
        { url, status: res.statusCode },
        { cause: e }
      );
    }
    if (res.statusCode !== 200) {
      throw new TradestateError(ErrorCode.DATA_FETCH_FAILED, `binance depth: HTTP ${res.statusCode}`, {
        url,
        status: res.statusCode
      });
    }
    return text;
  };
}
