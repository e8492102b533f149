import { type CliIo, writeLines } from '../cli-io.ts';
import { renderProgress, renderSummary } from '../drill/render-drill.ts';
import { runDrill } from '../drill/run-drill.ts';
import { styleFor } from '../style.ts';
import { EXIT } from '../usage-error.ts';

export interface DrillCommandOptions {
  readonly json: boolean;
  readonly verbose: boolean;
}

/** Exit 0 only when every scenario behaved as expected. */
export async function drillCommand(options: DrillCommandOptions, io: CliIo): Promise<number> {
  const style = styleFor(io.stdout);
  const report = await runDrill({
    onProgress: options.json
      ? undefined
      : (event) => writeLines(io.stdout, renderProgress(event, style, options.verbose)),
  });
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else writeLines(io.stdout, renderSummary(report, style));
  return report.passed ? EXIT.ok : EXIT.failed;
}
