import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root (tests/support/../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `../shared/data` beside the checkout. */
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data');

/**
 * Path of a file in ../shared/data. Missing data is a failure, never a skip: the tests that read
 * real data are the proofs, and a proof that silently does not run proves nothing.
 */
export function sharedData(...parts: string[]): string {
  const p = join(SHARED_DATA, ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `shared data missing: ${p} (tests read ../shared/data beside the checkout; CI=${process.env.CI ?? ''})`
    );
  }
  return p;
}
