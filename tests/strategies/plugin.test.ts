import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunConfig, parseRunConfig } from '../../src/config/load.ts';
import { runBacktest, runIdOf } from '../../src/engine/backtest.ts';
import type { MemoryEventLog } from '../../src/log/event-log.ts';
import { createStrategy } from '../../src/strategies/registry.ts';
import { parseParamSpecs, readBaseConfig } from '../../src/sweep/param-grid.ts';
import { runSweep } from '../../src/sweep/sweep-runner.ts';
import { REPO_ROOT } from '../support/shared-data.ts';

const DIP = join(REPO_ROOT, 'config', 'buy-the-dip.yaml');
const DIP_MODULE = join(REPO_ROOT, 'config', 'plugins', 'buy-the-dip.strategy.ts');

/** A config file in a fresh folder whose strategy section is `strategy` (synthetic data, 2 sessions). */
function configWith(strategy: object, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-plugin-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const file = join(dir, 'run.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'plugin',
      data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-04', sessions: 2 },
      strategy
    })
  );
  return file;
}

describe('a strategy module of your own (strategy.module)', () => {
  it('config/buy-the-dip.yaml backtests the module beside it, named after its file', async () => {
    const config = loadRunConfig(DIP);
    // resolved against the config file's folder, not the working directory
    expect(config.strategy.module).toBe(DIP_MODULE);
    const r = await runBacktest({ config, configFile: DIP });
    expect(r.orders).toBeGreaterThan(10);
    expect(r.fills).toBe(r.orders);
    const records = (r.log as MemoryEventLog).records;
    const submitted = records
      .filter((x) => x.type === 'order.submitted')
      .map((x) => x.payload as { strategyId: string; reason: string });
    expect(new Set(submitted.map((s) => s.strategyId))).toEqual(new Set(['buy-the-dip']));
    expect(new Set(submitted.map((s) => s.reason))).toEqual(new Set(['dip.entry', 'dip.exit']));
    // deterministic like a built-in: the same config and seed, the same log
    const again = await runBacktest({ config, configFile: DIP });
    expect((again.log as MemoryEventLog).records).toEqual(records);
  });

  it('its params schema validates strategy.params, naming the key path', () => {
    const file = configWith({ module: DIP_MODULE, params: { dropBps: -5 } });
    expect(() => createStrategy(loadRunConfig(file).strategy, file)).toThrow(
      expect.objectContaining({
        code: 'TRD_ERR_CONFIG_INVALID',
        message: expect.stringMatching(/strategy\.params\.dropBps: .*, got -5$/)
      })
    );
    const typo = configWith({ module: DIP_MODULE, params: { dropBsp: 5 } });
    expect(() => createStrategy(loadRunConfig(typo).strategy, typo)).toThrow(
      expect.objectContaining({
        code: 'TRD_ERR_CONFIG_INVALID',
        message: expect.stringMatching(/strategy\.params/)
      })
    );
  });

  it('refuses a module that is missing, does not load, or exports no create(); and type with module', () => {
    const refused = (file: string, code: string, message: RegExp) =>
      expect(() => createStrategy(loadRunConfig(file).strategy, file)).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(message) })
      );
    refused(
      configWith({ module: 'nowhere.strategy.ts' }),
      'TRD_ERR_CONFIG_NOT_FOUND',
      /strategy\.module: no such file/
    );
    refused(
      configWith({ module: 'broken.strategy.ts' }, { 'broken.strategy.ts': 'throw new Error("boom");\n' }),
      'TRD_ERR_CONFIG_INVALID',
      /does not load: boom/
    );
    refused(
      configWith({ module: 'plain.strategy.ts' }, { 'plain.strategy.ts': 'export const x = 1;\n' }),
      'TRD_ERR_CONFIG_INVALID',
      /no default export with a create\(id, params\) function/
    );
    for (const strategy of [{ type: 'sma-crossover', module: DIP_MODULE }, { params: {} }]) {
      expect(() => loadRunConfig(configWith(strategy))).toThrow(
        expect.objectContaining({
          code: 'TRD_ERR_CONFIG_INVALID',
          message: expect.stringMatching(/strategy: give either type .* or module/)
        })
      );
    }
  });

  it('refuses a params that is not a zod schema, a create() that throws, and a create() that returns no strategy', () => {
    const refused = (source: string, message: RegExp, cause?: unknown) => {
      const file = configWith({ module: 'mine.strategy.ts' }, { 'mine.strategy.ts': source });
      const module = loadRunConfig(file).strategy.module!;
      let err: unknown;
      try {
        createStrategy(loadRunConfig(file).strategy, file);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({
        code: 'TRD_ERR_CONFIG_INVALID',
        message: expect.stringMatching(message),
        context: expect.objectContaining({ file, path: 'strategy.module', module })
      });
      expect((err as Error).message).toContain(module);
      if (cause !== undefined) expect((err as Error).cause).toEqual(cause);
    };
    const ok = 'create: (id) => ({ id, onBar: () => [], snapshot: () => null })';
    refused(`export default { params: { qty: 5 }, ${ok} };\n`, /params is not a zod schema/);
    refused(
      'export default { create: () => { throw new TypeError("bad qty"); } };\n',
      /create\(\) threw: bad qty/,
      new TypeError('bad qty')
    );
    refused(
      'export default { create: (id) => ({ id }) };\n',
      /did not return a strategy: onBar must be a function/
    );
    refused(
      'export default { create: () => ({ onBar: () => [], snapshot: () => null }) };\n',
      /id must be a string/
    );
    refused('export default { create: () => undefined };\n', /did not return a strategy: expected an object/);
    refused(
      'export default { create: (id) => ({ id, onBar: () => [], snapshot: () => null, onQuote: 1 }) };\n',
      /onQuote must be a function when given/
    );
  });

  it('an id taken from a file name that is not a valid strategy id is refused: set strategy.id', () => {
    const source = 'export default { create: (id) => ({ id, onBar: () => [], snapshot: () => null }) };\n';
    const file = configWith({ module: 'my dip (v2).strategy.ts' }, { 'my dip (v2).strategy.ts': source });
    const config = loadRunConfig(file);
    expect(() => createStrategy(config.strategy, file)).toThrow(
      expect.objectContaining({
        code: 'TRD_ERR_CONFIG_INVALID',
        message: expect.stringMatching(
          /"my dip \(v2\)", is not a valid strategy id .*set an explicit strategy\.id/
        )
      })
    );
    expect(createStrategy({ ...config.strategy, id: 'my-dip-v2' }, file).id).toBe('my-dip-v2');
    const long = `${'x'.repeat(41)}.strategy.ts`;
    const tooLong = configWith({ module: long }, { [long]: source });
    expect(() => createStrategy(loadRunConfig(tooLong).strategy, tooLong)).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_CONFIG_INVALID' })
    );
  });

  it('sweeps on worker threads: each point equals a direct backtest; an unknown parameter is refused up front', async () => {
    const { raw } = readBaseConfig(DIP);
    const axes = parseParamSpecs(['strategy.params.dropBps=20,50']);
    const s = await runSweep({ config: raw, configFile: DIP, axes, workers: 2 });
    expect(s.failed).toBe(0);
    for (const [i, dropBps] of [20, 50].entries()) {
      const config = loadRunConfig(DIP);
      const direct = await runBacktest({
        config: {
          ...config,
          strategy: { ...config.strategy, params: { ...config.strategy.params, dropBps } }
        },
        configFile: DIP
      });
      expect(s.results[i]!.metrics!.sharpe).toBe(direct.summary.sharpe);
      expect(s.results[i]!.metrics!.trades).toBe(direct.summary.tradeCount);
    }
    expect(s.results[0]!.metrics!.trades).not.toBe(s.results[1]!.metrics!.trades);
    await expect(
      runSweep({
        config: raw,
        configFile: DIP,
        axes: parseParamSpecs(['strategy.params.nope=1']),
        workers: 1
      })
    ).rejects.toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: expect.stringMatching(/not a parameter/)
    });
  });

  it('the run id follows the module’s bytes: an edited strategy is another run, not an overwrite', () => {
    const code = readFileSync(DIP_MODULE, 'utf8');
    const file = configWith({ module: 'mine.strategy.ts' }, { 'mine.strategy.ts': code });
    const config = loadRunConfig(file);
    const id = runIdOf(config, 42);
    writeFileSync(config.strategy.module!, `${code}// tweaked\n`);
    expect(runIdOf(config, 42)).not.toBe(id);
    writeFileSync(config.strategy.module!, code);
    expect(runIdOf(config, 42)).toBe(id);
    // a built-in strategy's id is what it always was: name, seed and config only
    expect(runIdOf(loadRunConfig(join(REPO_ROOT, 'config', 'backtest.yaml')), 42)).toBe(
      'default-s42-50e2bb47'
    );
  });

  it('parses the same from YAML text given the file it came from', () => {
    const config = parseRunConfig(
      'data: { kind: synthetic, symbols: [A], start: "2024-03-04", sessions: 1 }\nstrategy: { module: plugins/buy-the-dip.strategy.ts }\n',
      DIP
    );
    expect(createStrategy(config.strategy, DIP).id).toBe('buy-the-dip');
    expect(createStrategy({ ...config.strategy, id: 'mine' }, DIP).id).toBe('mine');
  });
});
