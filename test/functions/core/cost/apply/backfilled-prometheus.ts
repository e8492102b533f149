import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  removeUsageHistory,
  startPrometheusOnHistory,
} from '../../../../../local/lakehouse/usage-history.ts';
import { ensureSystemBinaries, PROMTOOL } from '../../../../../local/system/debian-packages.ts';

/**
 * A real Prometheus (the Debian binary) over series backfilled with
 * `promtool tsdb create-blocks-from openmetrics`, so the watch's PromQL runs against a TSDB that
 * holds hours of history at once. Missing binaries are installed when the tests run as root with
 * apt, as the e2e setup does; otherwise the error gives the command.
 */
export interface Sample {
  readonly labels: Record<string, string>;
  /** [epoch seconds, value], in time order. */
  readonly points: readonly (readonly [number, number])[];
}

export type Series = Record<string, readonly Sample[]>;

function openMetrics(series: Series): { text: string; samples: number } {
  const lines: string[] = [];
  let samples = 0;
  for (const [name, metricSamples] of Object.entries(series)) {
    lines.push(`# TYPE ${name} gauge`);
    for (const sample of metricSamples) {
      const labels = Object.entries(sample.labels)
        .map(([label, value]) => `${label}=${JSON.stringify(value)}`)
        .join(',');
      for (const [time, value] of sample.points) lines.push(`${name}{${labels}} ${value} ${time}`);
      samples += sample.points.length;
    }
  }
  return { text: `${lines.join('\n')}\n# EOF\n`, samples };
}

export async function startBackfilledPrometheus(
  series: Series,
): Promise<{ url: string; stop(): Promise<void> }> {
  ensureSystemBinaries([PROMTOOL]);
  const directory = await mkdtemp(join(tmpdir(), 'lakehouse-ops-watch-'));
  const input = join(directory, 'series.om');
  const history = { directory, dataDirectory: join(directory, 'data'), samples: 0 };
  const { text, samples } = openMetrics(series);
  await writeFile(input, text);
  await promisify(execFile)('promtool', [
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    input,
    history.dataDirectory,
  ]);
  const prometheus = await startPrometheusOnHistory({ ...history, samples });
  return {
    url: prometheus.url,
    stop: async () => {
      await prometheus.stop();
      await removeUsageHistory(history);
    },
  };
}
