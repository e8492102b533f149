import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../functions/core/platform/layout.ts';
import { opsStackName } from '../../../infra/app-builder.ts';
import { REPO_ROOT } from '../../../infra/constructs/ops-function.ts';
import { drStackName } from '../../../infra/stacks/dr-stack.ts';
import { WORKFLOW_REGISTRY } from '../../../local/cli/workflow-registry.ts';
import { localHandlerEnvironment, localReplicationNames } from '../../../local/lakehouse/environment.ts';
import { type AslDefinition, allStates } from '../../../local/runner/definition.ts';
import { foldNestedStacks } from '../../../local/runner/nested-stacks.ts';
import { type CfnTemplate, withDrControlPlane } from '../../../local/runner/template.ts';
import {
  type LocalWorkflows,
  loadWorkflows,
  localPseudoParameters,
  resolveWorkflowDefinitions,
} from '../../../local/runner/workflows.ts';

const ENVIRONMENT = 'development';
const REGION = 'eu-central-1';
// `cdk synth` bundles every handler (about 90): a couple of minutes, more on a loaded machine.
const CDK_SYNTH_TIMEOUT_MS = 600_000;

// Only the definitions matter here, so the endpoints are placeholders nothing connects to.
const localEnvironment = {
  ...localHandlerEnvironment(
    {
      kubernetes: 'http://127.0.0.1:9',
      awsSim: 'http://127.0.0.1:9',
      dynamodb: 'http://127.0.0.1:9',
      minio: 'http://127.0.0.1:9',
      drS3: 'http://127.0.0.1:9',
    },
    {
      region: REGION,
      drRegion: 'eu-west-1',
      clusterName: 'lakehouse-local',
      environmentName: 'local',
      minioCredentialsSecretId: 'lakehouse/local/minio-credentials',
      notificationTopicArn: `arn:aws:sns:${REGION}:000000000000:lakehouse-ops-local-notifications`,
      opsTableName: 'lakehouse-ops-local-ops',
      layout: defaultPlatformLayout,
      backup: {
        bucketName: 'lakehouse-ops-local-backup',
        sourceBuckets: ['market-data', 'lakehouse'],
        vaultName: 'lakehouse-ops-local-vault',
        roleArn: 'arn:aws:iam::000000000000:role/lakehouse-ops-local-backup',
      },
      replication: localReplicationNames('local'),
    },
    { logLevel: 'SILENT', metricsDisabled: true },
  ),
  // approve-remediation's Function URL, which the local lakehouse serves itself.
  APPROVAL_URL: 'http://127.0.0.1:9/',
};

describe('loadWorkflows', () => {
  let outdir: string;
  let cliTemplate: CfnTemplate;
  let workflows: LocalWorkflows;

  beforeAll(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'lakehouse-ops-cdk-out-'));
    // The real CLI, as an operator runs it (bundling included): what it writes is what gets deployed.
    await promisify(execFile)('npx', ['cdk', 'synth', '-q', '-c', `env=${ENVIRONMENT}`, '-o', outdir], {
      cwd: REPO_ROOT,
      timeout: CDK_SYNTH_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    // Its nested stacks (cost) are folded in as the runner does, from the files `cdk synth` wrote,
    // and so is the DR control plane's stack (dr-failover, dr-failback).
    const foldedStack = async (stackName: string) =>
      foldNestedStacks(
        JSON.parse(await readFile(path.join(outdir, `${stackName}.template.json`), 'utf8')) as CfnTemplate,
        outdir,
        stackName,
      );
    cliTemplate = withDrControlPlane(
      await foldedStack(opsStackName(ENVIRONMENT)),
      await foldedStack(drStackName(ENVIRONMENT)),
    );
    workflows = await loadWorkflows({ environment: ENVIRONMENT, localEnvironment });
  }, CDK_SYNTH_TIMEOUT_MS + 60_000);
  afterAll(() => rm(outdir, { recursive: true, force: true }));

  it('runs exactly the definitions that `cdk synth` writes to cdk.out, resolved the same way', () => {
    const fromCli = resolveWorkflowDefinitions(
      cliTemplate,
      localPseudoParameters(REGION, opsStackName(ENVIRONMENT)),
    );
    expect(fromCli.map((workflow) => workflow.name).sort()).toEqual([...workflows.names].sort());
    for (const workflow of fromCli) {
      expect(workflows.describe(workflow.name).deployed).toEqual(workflow.definition);
    }
  });

  it('resolves every Task to a local Lambda ARN of a function with handler metadata (a task-token Task in its Parameters), or a nested execution of a local state machine', () => {
    for (const name of workflows.names) {
      const tasks = [...allStates(workflows.describe(name).deployed)].filter(
        ([, state]) => state.Type === 'Task',
      );
      expect(tasks.length).toBeGreaterThan(0);
      for (const [, task] of tasks) {
        if (String(task.Resource).includes(':states:::states:startExecution')) {
          expect(task.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
          expect((task.Parameters as { StateMachineArn?: string }).StateMachineArn).toMatch(
            /^arn:aws:states:eu-central-1:000000000000:stateMachine:lakehouse-ops-development-[a-z-]+$/,
          );
          continue;
        }
        const lambdaArn = /^arn:aws:lambda:eu-central-1:000000000000:function:[A-Za-z0-9]+$/;
        if (task.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
          // A task-token Task (remediate's approval) names its function in Parameters.
          expect((task.Parameters as { FunctionName?: string }).FunctionName).toMatch(lambdaArn);
          continue;
        }
        expect(task.Resource).toMatch(lambdaArn);
      }
    }
  });

  it('executes the deployed definition unchanged except for the states engine-gaps.ts bridges', () => {
    for (const name of workflows.names) {
      const { deployed, executed, bridgedStates, retimedTasks } = workflows.describe(name);
      const withoutBridged = (definition: AslDefinition) =>
        JSON.parse(JSON.stringify(definition), (key, value) =>
          bridgedStates.includes(key) ? undefined : value,
        );
      // Tasks inside a bridged Distributed Map run in its local step, not in `executed`.
      const executedStates = new Map(allStates(executed));
      for (const state of retimedTasks.flatMap((task) => executedStates.get(task) ?? [])) {
        expect(state.TimeoutSeconds).toBeGreaterThan(0);
        delete state.TimeoutSeconds;
      }
      expect(withoutBridged(executed)).toEqual(withoutBridged(deployed));
    }
  });

  it('knows the same workflows as the CLI registry, so `lakehouse-ops run` can start each one', () => {
    expect([...WORKFLOW_REGISTRY.keys()].sort()).toEqual([...workflows.names].sort());
  });

  it('sets the resolved handler environment on process.env, local values over template literals', () => {
    expect(workflows.environment.CLUSTER_NAME).toBe('lakehouse-local');
    expect(process.env.CLUSTER_NAME).toBe('lakehouse-local');
    expect(process.env.POWERTOOLS_SERVICE_NAME).toBe('lakehouse-ops');
    expect(process.env.NODE_OPTIONS ?? '').not.toContain('--enable-source-maps');
  });
});
