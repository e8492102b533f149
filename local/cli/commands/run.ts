import { SFNClient } from '@aws-sdk/client-sfn';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { startLocalLakehouse } from '../../lakehouse/index.ts';
import { stopOnSignal } from '../../lakehouse/stop-on-signal.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { loadWorkflows } from '../../runner/workflows.ts';
import { runInAws } from '../aws/run-in-aws.ts';
import { type CliIo, writeLines } from '../cli-io.ts';
import { renderExecution } from '../render-execution.ts';
import { styleFor } from '../style.ts';
import { EXIT } from '../usage-error.ts';
import { readWorkflowInput } from '../workflow-input.ts';
import { requireWorkflow } from '../workflow-registry.ts';

export interface RunCommandOptions {
  readonly workflow: string;
  readonly input?: string;
  readonly local: boolean;
  readonly environment: string;
  readonly json: boolean;
}

/**
 * Runs one workflow, locally against the embedded lakehouse or in the environment's AWS account.
 * Everything the user typed is checked before anything starts. Exit 0 when the execution succeeded.
 */
export async function runCommand(options: RunCommandOptions, io: CliIo): Promise<number> {
  const workflow = requireWorkflow(options.workflow);
  const config = loadEnvironmentConfig(options.environment);
  const input = await readWorkflowInput(workflow, options.input);

  const result = options.local
    ? await runLocally(workflow.name, input, config.name)
    : await runInAws({
        // The environment's region when its config names one, otherwise the SDK's usual lookup.
        sfn: new SFNClient(config.region ? { region: config.region } : {}),
        environment: config.name,
        workflow: workflow.name,
        input,
        onStarted: (executionArn) => {
          if (!options.json) io.stderr.write(`started ${executionArn}\n`);
        },
      });

  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const style = styleFor(io.stdout);
    writeLines(io.stdout, renderExecution(result, { style, verbose: true }));
    if (result.status === 'SUCCEEDED')
      writeLines(io.stdout, ['output:', JSON.stringify(result.output, null, 2)]);
    else if (result.cause) writeLines(io.stdout, ['cause:', result.cause]);
  }
  return result.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}

async function runLocally(workflow: string, input: unknown, environment: string): Promise<ExecutionResult> {
  const lakehouse = await startLocalLakehouse();
  const forgetSignals = stopOnSignal(lakehouse);
  try {
    const workflows = await loadWorkflows({
      environment,
      localEnvironment: lakehouse.environment,
      lambdaService: lakehouse.awsSim.lambda,
    });
    return await workflows.runWorkflow(workflow, input);
  } finally {
    forgetSignals();
    await lakehouse.stop();
  }
}
