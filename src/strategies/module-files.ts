import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tradestate's own sources: a strategy module's imports of them are the engine, not the strategy. */
const SRC_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..') + sep;

/** Relative specifiers of static imports and re-exports, side-effect imports, `import()` and `require()`. */
const RELATIVE_IMPORT =
  /(?:\bfrom\s*|\bimport\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)(['"])(\.\.?\/[^'"\n]+)\1/g;

/**
 * The files a strategy module is made of: the module and, recursively, every file it imports by a relative path
 * (`./signals.ts`, `../lib/util.ts`), sorted. Packages (`zod`) and tradestate's own `src/` are not followed: the
 * run id and data digest cover the strategy, not the engine. A specifier is read from the source text, so one in
 * a comment counts too (it can only make the set larger); one naming no file is left out (loading the module
 * reports it).
 */
export function strategyModuleFiles(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [resolve(entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file) || !statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), m[2]!);
      if (!target.startsWith(SRC_ROOT)) todo.push(target);
    }
  }
  return [...seen].sort();
}
