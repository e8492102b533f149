import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  FORWARD_OBJECT_EVENTS_VARIABLE,
  type S3ObjectEvent,
  type S3ObjectEventMessage,
} from './s3rver-object-events.ts';
import type { S3EndpointCommand, S3EndpointEvent } from './s3rver-process.ts';

/**
 * An S3 API endpoint (s3rver) in a child process with the OpenSSL legacy provider enabled
 * (see s3rver-process.ts for why). Its objects live in a temporary directory removed on stop.
 */
export interface S3Endpoint {
  readonly name: string;
  readonly url: string;
  /** The s3rver child process (bench/backup reads its CPU time from /proc). */
  readonly pid: number;
  /** Where s3rver keeps the objects (removed by stop()). */
  readonly directory: string;
  readonly online: boolean;
  /** Stops listening (clients get ECONNREFUSED) while keeping every object. */
  goOffline(): Promise<void>;
  /** Listens again on the same port. */
  goOnline(): Promise<void>;
  stop(): Promise<void>;
}

const CHILD_ENTRY = fileURLToPath(new URL('./s3rver-process.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const STARTUP_TIMEOUT_MS = 15_000;

export interface S3EndpointOptions {
  readonly name: string;
  readonly buckets: readonly string[];
  /** The only key pair the endpoint accepts. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Called for each object created or removed, in order (see s3rver-object-events.ts); the MinIO
   * primary turns these into bucket notifications (minio-notifications.ts). Off when not given.
   */
  readonly onObjectEvent?: (event: S3ObjectEvent) => void;
}

export async function startS3Endpoint({
  name,
  buckets,
  credentials,
  onObjectEvent,
}: S3EndpointOptions): Promise<S3Endpoint> {
  const directory = await mkdtemp(join(tmpdir(), `lakehouse-${name}-`));
  const child = fork(CHILD_ENTRY, [directory, buckets.join(',')], {
    execArgv: ['--openssl-legacy-provider', '--import', TSX_LOADER],
    // NODE_OPTIONS from a parent test runner could inject loaders that do not belong in the child.
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      [FORWARD_OBJECT_EVENTS_VARIABLE]: onObjectEvent ? '1' : '',
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  if (onObjectEvent) {
    child.on('message', (message: S3EndpointEvent | S3ObjectEventMessage) => {
      if (message.type === 'object-event') onObjectEvent(message.event);
    });
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });

  let port: number;
  try {
    port = await nextOnlinePort(child, () => stderr);
  } catch (error) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let online = true;

  const send = async (command: S3EndpointCommand, expected: S3EndpointEvent['type']): Promise<void> => {
    const reply = waitForEvent(child, () => stderr);
    child.send(command);
    const event = await reply;
    if (event.type !== expected) {
      throw new Error(
        `s3 endpoint ${name}: expected ${expected} after ${command.type}, got ${JSON.stringify(event)}`,
      );
    }
  };

  return {
    name,
    url: `http://127.0.0.1:${port}`,
    // A forked child that reported its port has a pid: fork() only leaves it unset when spawning failed.
    pid: child.pid ?? Number.NaN,
    directory,
    get online() {
      return online;
    },
    async goOffline() {
      if (!online) return;
      await send({ type: 'go-offline' }, 'offline');
      online = false;
    },
    async goOnline() {
      if (online) return;
      await send({ type: 'go-online' }, 'online');
      online = true;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.disconnect();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function nextOnlinePort(child: ChildProcess, stderr: () => string): Promise<number> {
  const event = await waitForEvent(child, stderr);
  if (event.type !== 'online') throw new Error(`s3rver did not start: ${JSON.stringify(event)}`);
  return event.port;
}

function waitForEvent(child: ChildProcess, stderr: () => string): Promise<S3EndpointEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`s3rver did not answer within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    // Object events arrive on the same channel at any time; they are no answer to a command.
    const onMessage = (event: S3EndpointEvent | S3ObjectEventMessage) => {
      if (event.type !== 'object-event') finish(undefined, event);
    };
    const onExit = (code: number | null) =>
      finish(new Error(`s3rver exited with code ${code}: ${stderr().trim()}`));
    function finish(error?: Error, event?: S3EndpointEvent): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else if (event?.type === 'failed') reject(new Error(`s3rver failed: ${event.message}`));
      else resolve(event!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
