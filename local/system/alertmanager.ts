/**
 * A real Alertmanager (the Debian binary `prometheus-alertmanager`) as a plain process on loopback,
 * for the drill and the tests. Clustering is off (`--cluster.listen-address=`): one instance, no
 * gossip port.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ALERTMANAGER } from './debian-packages.ts';
import { freePort } from './free-port.ts';
import { startLoopbackProcess } from './loopback-process.ts';

export interface AlertmanagerOptions {
  /** The whole alertmanager.yml; by default a route to a receiver that sends nothing. */
  config?: Record<string, unknown>;
  /** Extra files the config refers to (a bearer token file), written next to it: name -> content. */
  files?: Record<string, string>;
}

export interface RunningAlertmanager {
  url: string;
  /** host:port, for a Prometheus `alerting` section. */
  address: string;
  /** Where `files` were written, for configs that name them. */
  directory: string;
  stop(): Promise<void>;
}

const NULL_CONFIG = { route: { receiver: 'null' }, receivers: [{ name: 'null' }] };

/** The config may name `{{dir}}` for the directory of `files` (credentials_file paths). */
export async function startAlertmanager(options: AlertmanagerOptions = {}): Promise<RunningAlertmanager> {
  const directory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-alertmanager-'));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await writeFile(join(directory, name), content, { mode: 0o600 });
  }
  const configFile = join(directory, 'alertmanager.yml');
  await writeFile(configFile, stringify(options.config ?? NULL_CONFIG).replaceAll('{{dir}}', directory));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const { stop } = await startLoopbackProcess(
    'alertmanager',
    ALERTMANAGER.command,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(directory, 'data')}`,
      `--web.listen-address=${address}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    `${url}/-/ready`,
    directory,
  );
  return { url, address, directory, stop };
}
