import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../../../cluster-manifests/src/manifest.ts';
import {
  ensureSystemBinaries,
  PROMTOOL,
  type SystemBinary,
} from '../../../../local/system/debian-packages.ts';
import { committedDocuments } from '../../support/committed-manifests.ts';

/**
 * promtool and amtool over files in a scratch directory, for the monitoring tests. The binaries come
 * from Debian packages, installed when missing and running as root (local/system/debian-packages.ts).
 */
const AMTOOL: SystemBinary = { command: 'amtool', debianPackage: 'prometheus-alertmanager' };

export interface MonitoringTools {
  /** Writes `text` to `file` in the scratch directory and returns its path. */
  write(file: string, text: string): string;
  /** Runs `tool args... <file>` on `text`; throws with the tool's output when it refuses. */
  check(tool: 'promtool' | 'amtool', args: string[], file: string, text: string): string;
  remove(): void;
}

export function monitoringTools(): MonitoringTools {
  ensureSystemBinaries([PROMTOOL, AMTOOL]);
  const directory = mkdtempSync(join(tmpdir(), 'monitoring-tools-'));
  const write = (file: string, text: string) => {
    const path = join(directory, file);
    writeFileSync(path, text);
    return path;
  };
  return {
    write,
    check(tool, args, file, text) {
      const path = write(file, text);
      try {
        return execFileSync(tool, [...args, path], { stdio: 'pipe', encoding: 'utf8' });
      } catch (error) {
        const { stdout, stderr } = error as { stdout: string; stderr: string };
        throw new Error(`${tool} ${args.join(' ')} refused ${file}:\n${stdout}${stderr}`);
      }
    },
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** A ConfigMap's data as committed for `environment`. */
export function configMapData(environment: string, name: string): Record<string, string> {
  const found = committedDocuments(environment).find(
    (document) => document.kind === 'ConfigMap' && document.metadata.name === name,
  ) as (Manifest & { data?: Record<string, string> }) | undefined;
  if (!found?.data) throw new Error(`no ConfigMap ${name} in the ${environment} manifests`);
  return found.data;
}
