import { spawn } from 'node:child_process';

export interface TimedProcessResult {
  /** Wall time from spawn to exit, in seconds. */
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and times it; a non-zero exit throws with the end of its stderr. */
export function runTimed(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<TimedProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const result = {
        seconds,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (code === 0) resolve(result);
      else {
        const tail = `${result.stderr}\n${result.stdout}`.trim().slice(-2_000);
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
}

export function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
