import type { Bar } from '../../../src/messages/market-data.ts';

/** `n` bars of width `w` from `t0` (instrument `X`), the price rising one tick a bar, volume 1. */
export function risingBars(t0: bigint, n: number, w: bigint): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const t = t0 + BigInt(i) * w;
    const px = 100 + i;
    return {
      type: 'market.bar',
      instrumentId: 'X',
      tsOpen: t,
      tsEvent: t + w,
      tsInit: t + w,
      open: px,
      high: px,
      low: px,
      close: px,
      volume: 1
    };
  });
}
