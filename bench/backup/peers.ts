/**
 * The copy tools lakehouse-ops is measured against, as Debian packages (DESIGN.md: rclone 1.60 and
 * awscli 2.9). The bench installs nothing itself: it fails with the exact apt-get command instead.
 */
import { execFileSync } from 'node:child_process';
import { installCommand, missingBinaries, type SystemBinary } from '../../local/system/debian-packages.ts';

export const RCLONE: SystemBinary = { command: 'rclone', debianPackage: 'rclone' };
/**
 * By absolute path: pyenv and pip installs often put an awscli 1.x shim first on PATH, and the
 * peer is Debian's awscli 2.
 */
export const AWS_CLI: SystemBinary = { command: '/usr/bin/aws', debianPackage: 'awscli' };

export interface PeerVersions {
  readonly rclone: string;
  readonly awsCli: string;
}

/** Throws with the apt-get command to run when a peer is missing; returns their versions. */
export function requirePeers(): PeerVersions {
  const missing = missingBinaries([RCLONE, AWS_CLI]);
  if (missing.length > 0) {
    throw new Error(
      `the backup bench needs ${missing.map((binary) => binary.command).join(' and ')}; install as root: ${installCommand(missing)}`,
    );
  }
  return {
    rclone: firstLine(execFileSync(RCLONE.command, ['version'], { encoding: 'utf8' })),
    awsCli: firstLine(execFileSync(AWS_CLI.command, ['--version'], { encoding: 'utf8' })),
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}
