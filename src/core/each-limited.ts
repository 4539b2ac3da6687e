import { ErrorCode, TradestateError } from './errors.ts';

/**
 * Call `f` on every item with at most `limit` calls in flight at once, starting them in order; resolves when
 * every call has settled. A rejected call does not stop the others; the first rejection is rethrown after
 * all have settled.
 *
 * @param limit calls in flight at once, an integer ≥ 1 (`TRD_ERR_NUMBER_INVALID` otherwise).
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<void>
): Promise<void> {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `limit must be an integer ≥ 1, got ${limit}`, {
      limit
    });
  let next = 0;
  let failed = false;
  let error: unknown;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await f(item);
      } catch (e) {
        if (!failed) {
          failed = true;
          error = e;
        }
      }
    }
  };
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < Math.min(limit, items.length); i++) lanes.push(lane());
  await Promise.all(lanes);
  if (failed) throw error;
}
