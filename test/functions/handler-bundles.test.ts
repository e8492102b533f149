import { readdirSync } from 'node:fs';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What keeps each Lambda's cold start cheap is what stays out of its bundle, and a single value
 * import anywhere under functions/ would silently bring it back. So the handlers' real bundles
 * are built here (the OpsFunction construct's esbuild settings) and checked:
 * - no @kubernetes/client-node: its generated API cannot be tree-shaken (~1.7 MB per bundle);
 *   functions/commons/kubernetes/ is our own small client, typed with client-node's types only;
 * - no classic zod: ~89 KB and ~25 ms of import per bundle, where zod/mini costs ~18 KB and ~8 ms.
 */
const HANDLERS = readdirSync('functions')
  .filter((file) => file.endsWith('.handler.ts'))
  .map((file) => `functions/${file}`);

const ONE_MIB = 1024 * 1024;

type BundleOutput = Metafile['outputs'][string];

describe('handler bundles', () => {
  let outputs: BundleOutput[];

  beforeAll(async () => {
    const { metafile } = await build({
      entryPoints: HANDLERS,
      bundle: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      minify: true,
      write: false,
      metafile: true,
      outdir: 'bundle-check',
      logLevel: 'silent',
    });
    outputs = Object.values(metafile.outputs).filter((output) => output.entryPoint);
    // One esbuild build of every handler: ~40 bundles took up to 160 s on this 2-core machine under
    // load; with ~70 the margin doubles too.
  }, 600_000);

  function bundledInputs(matching: RegExp): Record<string, string[]> {
    return Object.fromEntries(
      outputs.map((output) => [
        output.entryPoint,
        Object.keys(output.inputs).filter((input) => matching.test(input)),
      ]),
    );
  }

  function noneOf(entries: Record<string, string[]>): Record<string, string[]> {
    return Object.fromEntries(Object.keys(entries).map((entry) => [entry, []]));
  }

  it('builds one bundle per handler', () => {
    expect(HANDLERS.length).toBeGreaterThanOrEqual(10);
    expect(outputs.map((output) => output.entryPoint).sort()).toEqual([...HANDLERS].sort());
  });

  it('contain no @kubernetes/client-node code nor the node-fetch stack it drags in', () => {
    const found = bundledInputs(/node_modules\/(@kubernetes\/client-node|node-fetch|whatwg-url|tr46)\//);
    expect(found).toEqual(noneOf(found));
  });

  it('validate with zod/mini and contain no classic zod', () => {
    const classic = bundledInputs(/node_modules\/zod\/(v4\/classic|v3)\//);
    expect(classic).toEqual(noneOf(classic));
    // The pattern above only means something if zod is bundled from these paths at all.
    for (const [entry, inputs] of Object.entries(bundledInputs(/node_modules\/zod\/v4\/mini\//))) {
      expect(inputs, entry).not.toEqual([]);
    }
  });

  it('stay under 1 MiB minified', () => {
    for (const output of outputs) {
      expect(output.bytes, `${output.entryPoint} is ${output.bytes} bytes`).toBeLessThan(ONE_MIB);
    }
  });
});
