/**
 * Bundle size and cold-import time of every Lambda bundle, measured on the exact assets that
 * `cdk synth` produces (not a re-bundle with other settings).
 *
 *   npm run bench                 # writes bench/results/bundles.json and prints a Markdown table
 *
 * Cold import = a fresh `node` process importing the bundle, timed inside the process from just
 * before `import()` until it resolves (Node's own start-up is excluded, as on Lambda where the
 * runtime is already up). Median of RUNS processes per bundle, measured in interleaved rounds. The peer is a bundle of nothing but
 * @aws-sdk/client-s3 with the same esbuild settings, imported the same way in the same run: what
 * any Lambda that touches S3 pays at least.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { buildApp } from '../infra/app-builder.ts';
import { HANDLER_METADATA_KEY } from '../infra/constructs/ops-function.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const SIZE_TARGET_BYTES = 1024 * 1024;
const IMPORT_TARGET_MS = 150;

interface BundleMeasurement {
  handler: string;
  bytes: number;
  importMinMs: number;
  importMedianMs: number;
  importP90Ms: number;
}

type TemplateResource = {
  Type: string;
  Metadata?: Record<string, string>;
  Properties?: { Code?: { S3Key?: string } };
};

function importTimeMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  try {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-central-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return Number(output.toString());
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(
      `importing ${file} failed: ${stderr.split('\n').filter((line) => /Error/.test(line))[0] ?? stderr.slice(-500)}`,
    );
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

/**
 * This machine's timings drift by tens of percent over seconds (a shared VM), so bundles are
 * measured in interleaved rounds: each round imports every bundle once, and a slow spell weighs
 * on all bundles and on the peer alike instead of on whichever bundle it happened to hit.
 */
function measureInRounds(bundles: { handler: string; file: string }[]): BundleMeasurement[] {
  const times = new Map(bundles.map((bundle) => [bundle.handler, [] as number[]]));
  for (let round = 0; round < RUNS; round++) {
    for (const bundle of bundles) times.get(bundle.handler)!.push(importTimeMs(bundle.file));
  }
  return bundles.map(({ handler, file }) => ({
    handler,
    bytes: statSync(file).size,
    importMinMs: percentile(times.get(handler)!, 0),
    importMedianMs: percentile(times.get(handler)!, 0.5),
    importP90Ms: percentile(times.get(handler)!, 0.9),
  }));
}

function synthesizedBundles(outdir: string): { handler: string; file: string }[] {
  const { app, opsStack } = buildApp({ environment: 'development', outdir, cloudFormationValidation: false });
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, opsStack.templateFile), 'utf8')) as {
    Resources: Record<string, TemplateResource>;
  };
  return Object.values(template.Resources)
    .filter(
      (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.[HANDLER_METADATA_KEY],
    )
    .map((resource) => ({
      handler: resource.Metadata![HANDLER_METADATA_KEY]!,
      // The asset's S3 key is "<hash>.zip" and CDK stages it in "<outdir>/asset.<hash>/".
      file: join(outdir, `asset.${resource.Properties?.Code?.S3Key?.replace(/\.zip$/, '')}`, 'index.mjs'),
    }));
}

function peerBundle(directory: string): string {
  const entry = join(directory, 'peer-entry.mjs');
  const outfile = join(directory, 'peer', 'index.mjs');
  writeFileSync(entry, "export { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';\n");
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    outfile,
    nodePaths: [join(process.cwd(), 'node_modules')],
    banner: {
      js: "import { createRequire as benchCreateRequire } from 'node:module'; const require = benchCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

function table(rows: BundleMeasurement[], peer: BundleMeasurement): string {
  const kib = (bytes: number) => (bytes / 1024).toFixed(0);
  const lines = [
    '| bundle | size (KiB) | cold import min (ms) | median (ms) | p90 (ms) | median vs peer | within targets |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of [...rows, peer]) {
    const ok = row.bytes < SIZE_TARGET_BYTES && row.importMedianMs < IMPORT_TARGET_MS;
    lines.push(
      `| ${row.handler} | ${kib(row.bytes)} | ${row.importMinMs.toFixed(1)} | ${row.importMedianMs.toFixed(1)} | ${row.importP90Ms.toFixed(1)} | ${(row.importMedianMs / peer.importMedianMs).toFixed(2)}x | ${ok ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}

const workdir = mkdtempSync(join(tmpdir(), 'lakehouse-ops-bench-'));
try {
  const bundles = synthesizedBundles(join(workdir, 'cdk.out'));
  const peerName = 'peer: @aws-sdk/client-s3 alone';
  const measured = measureInRounds([...bundles, { handler: peerName, file: peerBundle(workdir) }]);
  const peer = measured.find((row) => row.handler === peerName)!;
  const rows = measured.filter((row) => row !== peer);
  const markdown = table(rows, peer);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/bundles.json',
    JSON.stringify({ at: new Date().toISOString(), runs: RUNS, node: process.version, peer, rows }, null, 2),
  );
  console.log(markdown);
  const failing = rows.filter(
    (row) => row.bytes >= SIZE_TARGET_BYTES || row.importMedianMs >= IMPORT_TARGET_MS,
  );
  if (failing.length > 0) {
    console.error(
      `\n${failing.length} bundle(s) miss a target: ${failing.map((row) => row.handler).join(', ')}`,
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(workdir, { recursive: true, force: true });
}
