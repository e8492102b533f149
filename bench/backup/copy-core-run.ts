/**
 * Runs the lakehouse-ops copy core in a child process. The child is bundled once with esbuild,
 * as the Lambda handlers are (ESM, AWS SDK bundled, minified), and started with plain `node`, so
 * neither its start-up nor its memory carries a TypeScript loader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { CopyCoreJob, CopyCoreReport } from './copy-core-child.ts';
import { runTimed } from './timed-process.ts';

const CHILD_ENTRY = fileURLToPath(new URL('./copy-core-child.ts', import.meta.url));
// Some bundled dependencies are CommonJS and call require(); ESM output needs one in scope.
const REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface CopyCoreRun extends CopyCoreReport {
  /** Wall time of the whole process: start-up, module loading and the run. */
  readonly processSeconds: number;
}

export interface CopyCoreRunner {
  run(job: CopyCoreJob): Promise<CopyCoreRun>;
  dispose(): void;
}

export function bundleCopyCore(): CopyCoreRunner {
  const directory = mkdtempSync(join(tmpdir(), 'bench-copy-core-'));
  const bundle = join(directory, 'copy-core.mjs');
  buildSync({
    entryPoints: [CHILD_ENTRY],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    minify: true,
    banner: { js: REQUIRE_BANNER },
    logLevel: 'error',
  });
  return {
    async run(job) {
      const { seconds, stdout } = await runTimed(process.execPath, [bundle, JSON.stringify(job)], {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
      });
      const lastLine = stdout.trim().split('\n').at(-1) ?? '';
      let report: CopyCoreReport;
      try {
        report = JSON.parse(lastLine) as CopyCoreReport;
      } catch {
        throw new Error(`copy core child printed no report; its stdout ended with: ${stdout.slice(-500)}`);
      }
      return { ...report, processSeconds: seconds };
    },
    dispose() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
