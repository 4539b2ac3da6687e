#!/usr/bin/env node
// Launcher: runs the TypeScript CLI on Node 24 (the pinned devDependency `node`), even where the
// system Node is older and cannot strip types. On Node ≥ 24 the CLI runs in this very process, so a
// signal sent to this pid (SIGTERM from a supervisor, SIGKILL) reaches the CLI itself. On an older Node it
// runs the pinned Node as a child and forwards SIGINT, SIGTERM and SIGHUP to it. Either way the types are
// stripped off the main thread (strip-types.js says why).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mainFile = join(root, 'src', 'cli', 'main.ts');
const [major] = process.versions.node.split('.').map(Number);
const pinned = join(root, 'node_modules', '.bin', 'node');

if (major >= 24 || !existsSync(pinned)) {
  await import('./strip-types.js');
  const { main } = await import(pathToFileURL(mainFile).href);
  await main(process.argv.slice(2));
} else {
  const child = spawn(
    pinned,
    ['--import', join(root, 'bin', 'strip-types.js'), mainFile, ...process.argv.slice(2)],
    { stdio: 'inherit' }
  );
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
