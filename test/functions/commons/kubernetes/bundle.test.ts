import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The reason the Lambdas have their own Kubernetes client: @kubernetes/client-node's generated API
 * cannot be tree-shaken (~1.7 MB of it per bundle). One value import of client-node anywhere under
 * functions/ would silently bring it back, so the handlers' real bundles are checked here.
 */
const KUBERNETES_HANDLERS = [
  'check-nodes',
  'check-prefect',
  'check-minio-statefulset',
  'check-s5cmd-executor',
  'check-monitoring',
].map((name) => `functions/${name}.handler.ts`);

const ONE_MIB = 1024 * 1024;

describe('Kubernetes handler bundles', () => {
  it('contain no @kubernetes/client-node code and stay under 1 MiB minified', async () => {
    const { metafile } = await build({
      entryPoints: KUBERNETES_HANDLERS,
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      outdir: 'bundle-check',
      logLevel: 'silent',
    });

    const outputs = Object.values(metafile.outputs).filter((output) => output.entryPoint);
    expect(outputs.map((output) => output.entryPoint).sort()).toEqual([...KUBERNETES_HANDLERS].sort());
    for (const output of outputs) {
      const bundled = Object.keys(output.inputs);
      expect(
        bundled.filter((input) => input.includes('@kubernetes/client-node')),
        output.entryPoint,
      ).toEqual([]);
      expect(bundled.filter((input) => /node_modules\/(node-fetch|whatwg-url|tr46)\//.test(input))).toEqual(
        [],
      );
      expect(output.bytes, `${output.entryPoint} is ${output.bytes} bytes`).toBeLessThan(ONE_MIB);
    }
  });
});
