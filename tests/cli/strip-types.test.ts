import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared-data.ts';

const PRELOAD = join(REPO_ROOT, 'bin', 'strip-types.js');
const PROBE = join(REPO_ROOT, 'tests', 'support', 'strip-types', 'probe.ts');

function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/strip-types.js (off-thread type stripping)', () => {
  it('runs .ts modules without loading the WebAssembly stripper on the main or a worker thread', () => {
    const r = node(['--import', PRELOAD, PROBE]);
    expect(r.stderr).toBe(''); // no experimental warning leaks out of the loader thread
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ bestBid: 100, mainAmaro: false, workerAmaro: false });
  });

  it('imported instead of preloaded (as the tradestate launcher does), it still reaches our workers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strip-types-'));
    const launcher = join(dir, 'launcher.mjs');
    const url = (f: string): string => JSON.stringify(pathToFileURL(f).href);
    writeFileSync(launcher, `await import(${url(PRELOAD)});\nawait import(${url(PROBE)});\n`);
    const r = node([launcher]);
    rmSync(dir, { recursive: true });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ bestBid: 100, mainAmaro: false, workerAmaro: false });
  });

  it('without it, Node strips on the main thread (the cost the preload removes)', () => {
    const r = node([PROBE]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ bestBid: 100, mainAmaro: true });
  });

  it('keeps line and column numbers: a stack trace points at the source position', () => {
    const r = node(['--import', PRELOAD, PROBE, 'throw']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('probe failure');
    const lines = readFileSync(PROBE, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes("new Error('probe failure')"));
    const column = lines[line]!.indexOf('new Error') + 1;
    expect(r.stderr).toContain(`probe.ts:${line + 1}:${column}`);
  });

  it('rejects non-erasable syntax as Node itself does', () => {
    // written at run time: the type-check of this repo rejects an enum, as it should
    const dir = mkdtempSync(join(tmpdir(), 'strip-types-'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'enum.ts'), 'export enum Colour {\n  Red\n}\n');
    const r = node(['--import', PRELOAD, join(dir, 'enum.ts')]);
    rmSync(dir, { recursive: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX');
    expect(r.stderr).toContain('TypeScript enum is not supported');
    expect(r.stderr).toContain('enum.ts'); // which file
  });

  it('the npm scripts and the launcher preload it', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const script of ['start', 'tradestate', 'bench']) {
      expect(pkg.scripts[script]).toMatch(/^node --import \.\/bin\/strip-types\.js /);
    }
    const launcher = readFileSync(join(REPO_ROOT, 'bin', 'tradestate.js'), 'utf8');
    expect(launcher).toContain("await import('./strip-types.js')");
  });
});
