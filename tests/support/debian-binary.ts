import { spawnSync } from 'node:child_process';

/**
 * Fail (never skip) unless `command --version` runs: the servers these tests talk to come from Debian's
 * packages, which .ci/run installs (`apt-get install <pkg>`); locally, install the same package.
 */
export function requireDebianBinary(command: string, pkg: string): void {
  if (spawnSync(command, ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${command} is not installed: install Debian's ${pkg} package (.ci/run does)`);
  }
}
