import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared-data.ts';

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `rxjs/operators` → `rxjs`). */
const packageOf = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Packages a module loads at run time: static imports and re-exports that are not type-only, and `import()`. */
function runtimePackages(code: string): string[] {
  const out = new Set<string>();
  const add = (spec: string) => {
    if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) return;
    out.add(packageOf(spec));
  };
  for (const m of code.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^']+)'/gms))
    if (m[1] === undefined) add(m[2]!);
  for (const m of code.matchAll(/^import\s+'([^']+)'/gm)) add(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1]!);
  return [...out];
}

describe('package.json', () => {
  it('lists every package src/ loads at run time under dependencies (an install without dev packages runs)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const used = new Map<string, string>();
    for (const f of sources(join(REPO_ROOT, 'src')))
      for (const p of runtimePackages(readFileSync(f, 'utf8'))) used.set(p, f);
    // the data layer's DuckDB, the gateways' undici and ws, the metrics' prom-client at least
    expect([...used.keys()]).toEqual(expect.arrayContaining(['@duckdb/node-api', 'undici', 'ws', 'xstate']));
    const missing = [...used]
      .filter(([p]) => pkg.dependencies[p] === undefined)
      .map(([p, f]) => `${p} (${f})`);
    expect(missing).toEqual([]);
  });

  it('reads imports as the loader does: type-only imports are erased, dynamic ones count', () => {
    expect(
      runtimePackages(
        [
          "import type { A } from 'erased';",
          "import { type B, c } from 'kept';",
          "import {\n  d,\n  e\n} from '@scope/multi/sub';",
          "export { f } from 'reexported';",
          "import 'side-effect';",
          "const g = await import('lazy');",
          "import { h } from './local.ts';",
          "import { i } from 'node:fs';"
        ].join('\n')
      ).sort()
    ).toEqual(['@scope/multi', 'kept', 'lazy', 'reexported', 'side-effect']);
  });
});
