import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load.ts';
import { fileDigest, moduleDigest, runFilesOf } from '../../src/data/data-digest.ts';
import { runBacktest, runIdOf } from '../../src/engine/backtest.ts';
import { strategyModuleFiles } from '../../src/strategies/module-files.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

const SRC = join(REPO_ROOT, 'src', 'strategies');

/**
 * A strategy module in a folder of its own (no packages: a temp folder has no node_modules) that imports a helper,
 * which imports another (and back: a cycle), and tradestate's own types.
 */
function project(): { dir: string; entry: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-module-'));
  mkdirSync(join(dir, 'lib'));
  writeFileSync(
    join(dir, 'lib', 'signal.ts'),
    `import { DROP } from '../params.ts';\nexport const dipped = (open: number, close: number): boolean => close < open * DROP;\n`
  );
  writeFileSync(
    join(dir, 'params.ts'),
    `export const DROP = 0.999;\nexport type { dipped } from "./lib/signal.ts";\n`
  );
  const entry = join(dir, 'dip.strategy.ts');
  writeFileSync(
    entry,
    `import type { Strategy } from '${SRC}/strategy.ts';
import { dipped } from './lib/signal.ts';
// import('./missing.ts') names no file
export default {
  create(id: string): Strategy {
    return {
      id,
      onBar(bar, view) {
        if (view.position(bar.instrumentId) !== 0 || view.workingQty(bar.instrumentId) !== 0) return [];
        if (!dipped(bar.open, bar.close)) return [];
        return [{ instrumentId: bar.instrumentId, side: 'buy', qty: 1, orderType: 'market', tif: 'day', reason: 'dip' }];
      },
      snapshot: () => ({})
    };
  }
};
`
  );
  return { dir, entry };
}

describe('strategyModuleFiles: the files a strategy module is made of', () => {
  it('follows relative imports and re-exports through a cycle; not packages, not tradestate’s src, not missing files', () => {
    const { dir, entry } = project();
    expect(strategyModuleFiles(entry)).toEqual(
      [entry, join(dir, 'lib', 'signal.ts'), join(dir, 'params.ts')].sort()
    );
    // the shipped plugin imports only zod and tradestate's own src
    const dip = join(REPO_ROOT, 'config', 'plugins', 'buy-the-dip.strategy.ts');
    expect(strategyModuleFiles(dip)).toEqual([dip]);
    expect(strategyModuleFiles(join(dir, 'nope.ts'))).toEqual([]);
  });

  it('finds every import form: from, side effect, dynamic import(), require(), either quote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-module-'));
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const n of names) writeFileSync(join(dir, `${n}.ts`), '');
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        `import { x } from './a.ts';`,
        `import "./b.ts";`,
        `export * from './c.ts';`,
        `const m = await import( './d.ts' );`,
        `const r = require("./e.ts");`
      ].join('\n')
    );
    expect(strategyModuleFiles(entry)).toEqual([...names.map((n) => join(dir, `${n}.ts`)), entry].sort());
  });

  it('the run id and the Redis digest follow a helper’s bytes; a module of one file keeps its own digest', async () => {
    const { dir } = project();
    const file = join(dir, 'run.yaml');
    writeFileSync(
      file,
      `name: mod\ndata: { kind: synthetic, symbols: [A], start: "2024-03-04", sessions: 1 }\nstrategy: { module: ./dip.strategy.ts }\n`
    );
    const config = loadRunConfig(file);
    // it loads and trades through its helpers
    const r = await runBacktest({ config, configFile: file, monteCarloPaths: 0 });
    expect([r.bars, r.fills]).toEqual([390, 1]);
    const id = runIdOf(config, 42);
    const helper = join(dir, 'params.ts');
    const code = readFileSync(helper, 'utf8');
    writeFileSync(helper, code.replace('0.999', '0.998'));
    expect(runIdOf(config, 42)).not.toBe(id);
    expect(runFilesOf(config)).toContain(helper);
    writeFileSync(helper, code);
    expect(runIdOf(config, 42)).toBe(id);
    const dip = join(REPO_ROOT, 'config', 'plugins', 'buy-the-dip.strategy.ts');
    expect(moduleDigest(dip)).toBe(fileDigest(dip));
  });
});
