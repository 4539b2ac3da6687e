#!/usr/bin/env node
// Launcher: runs the TypeScript CLI on Node 24 (the pinned devDependency `node`), even where the
// system Node is older and cannot strip types.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src', 'cli', 'main.ts');
const [major] = process.versions.node.split('.').map(Number);
const pinned = join(root, 'node_modules', '.bin', 'node');
const node = major >= 24 ? process.execPath : existsSync(pinned) ? pinned : process.execPath;
const r = spawnSync(node, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
