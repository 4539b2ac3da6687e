import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../src/cli/progress.ts';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, s: { isTTY, write: (x: string) => void writes.push(x) } as unknown as NodeJS.WriteStream };
}

describe('ProgressBar', () => {
  it('stays silent for runs under the delay and when output is not a TTY', () => {
    const tty = stream(true);
    const p = new ProgressBar(tty.s, 'x', 60_000);
    p.update(5, 10);
    p.done();
    expect(tty.writes).toEqual([]);
    const pipe = stream(false);
    const q = new ProgressBar(pipe.s, 'x', 0);
    q.update(5, 10);
    q.done();
    expect(pipe.writes).toEqual([]);
  });

  it('draws a bar with percentage and count on a TTY once the delay has passed, and ends the line', () => {
    const tty = stream(true);
    const p = new ProgressBar(tty.s, 'backtest', 0);
    p.update(50, 200);
    p.done();
    expect(tty.writes[0]).toMatch(/^\rbacktest █+░+ {2}25% 50\/200 \(/);
    expect(tty.writes.at(-1)).toBe('\n');
  });
});
