import { spawn } from 'node:child_process';
import { takeCpuReport, withCpuReport } from './process-cpu.ts';

export interface TimedProcessResult {
  /** Wall time from spawn to exit, in seconds. */
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
  /** User + system CPU seconds of the process (and anything it started). */
  readonly cpuSeconds: number;
}

/** Runs a command to completion and times it; a non-zero exit throws with the end of its stderr. */
export function runTimed(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<TimedProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const wrapped = withCpuReport(command, args);
    const child = spawn(wrapped.command, wrapped.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const stdoutText = Buffer.concat(stdout).toString('utf8');
      const stderrText = Buffer.concat(stderr).toString('utf8');
      if (code === 0) {
        try {
          resolve({ seconds, stdout: stdoutText, ...takeCpuReport(stderrText) });
        } catch (error) {
          reject(error);
        }
      } else {
        const tail = `${stderrText}\n${stdoutText}`.trim().slice(-2_000);
        reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${tail}`));
      }
    });
  });
}

/** One run of a copy tool. */
export interface SyncRun {
  readonly seconds: number;
  /** Objects the tool reports it copied (0 on a no-change re-run). */
  readonly copied: number;
  /** User + system CPU seconds of the tool itself. */
  readonly cpuSeconds: number;
}

/** A run with the CPU the two s3rver endpoints spent on it (bench/backup/process-cpu.ts). */
export interface MeasuredSyncRun extends SyncRun {
  readonly serverCpuSeconds: { readonly source: number; readonly destination: number };
}

export function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
