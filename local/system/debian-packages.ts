/**
 * System binaries (Prometheus, Alertmanager, promtool, PostgreSQL, the AWS CLI) come from Debian
 * packages. A fresh machine
 * lacks them; when we run as root with apt available (a fresh dev box, CI) we install them, and
 * otherwise fail with the exact command to run, so `npm test` alone works on a fresh machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';

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

/** Debian's PostgreSQL major version; its server and client binaries are not on PATH. */
export const POSTGRES_BIN_DIRECTORY = '/usr/lib/postgresql/15/bin';
export const POSTGRES: SystemBinary = {
  command: `${POSTGRES_BIN_DIRECTORY}/postgres`,
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
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  const packages = [...new Set(missing.map((binary) => binary.debianPackage))];
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
}
