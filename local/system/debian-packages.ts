/**
 * System binaries (Prometheus, Alertmanager, promtool, PostgreSQL, the AWS CLI) come from Debian
 * packages. A fresh machine
 * lacks them; when we run as root with apt available (a fresh dev box, CI) we install them, and
 * otherwise fail with the exact command to run, so `npm test` alone works on a fresh machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface SystemBinary {
  command: string;
  debianPackage: string;
}

export const PROMETHEUS: SystemBinary = { command: 'prometheus', debianPackage: 'prometheus' };
export const ALERTMANAGER: SystemBinary = {
  command: 'prometheus-alertmanager',
  debianPackage: 'prometheus-alertmanager',
};
export const PROMTOOL: SystemBinary = { command: 'promtool', debianPackage: 'prometheus' };

/** Where Debian installs each PostgreSQL major version; its binaries are not on PATH. */
const POSTGRES_VERSIONS_DIRECTORY = '/usr/lib/postgresql';
/** Debian 12's `postgresql`, named when none is installed yet (the error then says what to install). */
const DEFAULT_POSTGRES_MAJOR = '15';

/**
 * The bin directory of the newest PostgreSQL installed, whichever major version the Debian release
 * ships (.ci/run installs the `postgresql` package when any version's initdb is missing).
 */
export function postgresBinDirectory(versionsDirectory = POSTGRES_VERSIONS_DIRECTORY): string {
  const installed = listDirectory(versionsDirectory)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(versionsDirectory, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return join(versionsDirectory, installed[0] ?? DEFAULT_POSTGRES_MAJOR, 'bin');
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

/** Resolved when first imported; a PostgreSQL installed later by ensureSystemBinaries is found by POSTGRES. */
export const POSTGRES_BIN_DIRECTORY = postgresBinDirectory();
export const POSTGRES: SystemBinary = {
  get command() {
    return join(postgresBinDirectory(), 'postgres');
  },
  debianPackage: 'postgresql',
};
/**
 * AWS CLI v2 (Debian's awscli 2.9), by absolute path: a `aws` earlier on PATH may be another
 * install (pyenv's v1 shim on this machine).
 */
export const AWS_CLI: SystemBinary = { command: '/usr/bin/aws', debianPackage: 'awscli' };

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function missingBinaries(binaries: SystemBinary[]): SystemBinary[] {
  return binaries.filter((binary) => !commandExists(binary.command));
}

export function installCommand(binaries: SystemBinary[]): string {
  const packages = [...new Set(binaries.map((binary) => binary.debianPackage))];
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

export function ensureSystemBinaries(binaries: SystemBinary[]): void {
  const missing = missingBinaries(binaries);
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && commandExists('apt-get');
  if (!canInstall) {
    throw new Error(
      `missing ${missing.map((b) => b.command).join(', ')}; install them as root: ${installCommand(missing)}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // apt's progress goes to stderr: stdout is the command's own output (`drill --json` is parsed).
  const stdio = ['ignore', 2, 2] as const;
  execFileSync('apt-get', ['update', '-q'], { stdio: [...stdio], env });
  const packages = [...new Set(missing.map((binary) => binary.debianPackage))];
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    stdio: [...stdio],
    env,
  });
}
