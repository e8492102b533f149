import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';

/**
 * A server binary (Prometheus, Alertmanager) run as a plain child process on loopback: started,
 * waited for until its `/-/ready` answers, and stopped with its temporary directory removed.
 * The last few kilobytes of its output go into every error, so a bad config says why.
 */
export interface LoopbackProcess {
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

export async function startLoopbackProcess(
  name: string,
  command: string,
  args: readonly string[],
  readyUrl: string,
  directory: string,
): Promise<LoopbackProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(name, readyUrl, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

async function waitUntilReady(
  name: string,
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} not ready after ${READY_TIMEOUT_MS} ms: ${output()}`);
}
