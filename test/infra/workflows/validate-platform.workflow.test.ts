import { StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_ERROR_NAMES } from '../../../functions/commons/errors.ts';
import {
  CHECK_NAMES,
  type CheckName,
  type CheckResult,
  PERFORMANCE_CHECK_NAMES,
} from '../../../functions/core/validation/check-result.ts';
import { LAMBDA_SERVICE_ERRORS } from '../../../infra/constructs/workflow.ts';
import { CHECK_HANDLERS, VALIDATE_PLATFORM_HANDLERS } from '../../../workflows/validate-platform.workflow.ts';
import {
  type AslState,
  type AslStateMachine,
  allStates,
  handlerModulesByLogicalId,
  stateMachineDefinition,
  synthesizeEnvironment,
} from '../template-helpers.ts';

const CHECK_STATES: Record<CheckName, { task: string; recordError: string }> = {
  'eks-cluster': { task: 'CheckEksCluster', recordError: 'RecordEksClusterError' },
  nodes: { task: 'CheckNodes', recordError: 'RecordNodesError' },
  prefect: { task: 'CheckPrefect', recordError: 'RecordPrefectError' },
  'minio-statefulset': { task: 'CheckMinioStatefulset', recordError: 'RecordMinioStatefulsetError' },
  'minio-s3-probe': { task: 'CheckMinioS3Probe', recordError: 'RecordMinioS3ProbeError' },
  's5cmd-executor': { task: 'CheckS5cmdExecutor', recordError: 'RecordS5cmdExecutorError' },
  monitoring: { task: 'CheckMonitoring', recordError: 'RecordMonitoringError' },
  's5cmd-throughput': { task: 'CheckS5cmdThroughput', recordError: 'RecordS5cmdThroughputError' },
  'prefect-api-latency': { task: 'CheckPrefectApiLatency', recordError: 'RecordPrefectApiLatencyError' },
  'flow-run-burst': { task: 'CheckFlowRunBurst', recordError: 'RecordFlowRunBurstError' },
};
const PERFORMANCE_RESULT_PATHS: Record<(typeof PERFORMANCE_CHECK_NAMES)[number], string> = {
  's5cmd-throughput': '$.performanceResults.S5cmdThroughput',
  'prefect-api-latency': '$.performanceResults.PrefectApiLatency',
  'flow-run-burst': '$.performanceResults.FlowRunBurst',
};

let definition: AslStateMachine;
let states: Record<string, AslState>;
let handlerOf: (state: AslState) => string;

beforeAll(() => {
  const { template } = synthesizeEnvironment('development');
  definition = stateMachineDefinition(template, 'validate-platform');
  states = allStates(definition);
  const modules = handlerModulesByLogicalId(template);
  handlerOf = (state) => modules[String(state.Resource).replace(/\.Arn$/, '')] ?? `unknown ${state.Resource}`;
}, 120_000);

describe('validatePlatformWorkflow definition', () => {
  it('has exactly the documented states, all verb-noun PascalCase', () => {
    const checkStates = Object.values(CHECK_STATES).flatMap(({ task, recordError }) => [task, recordError]);
    expect(Object.keys(states).sort()).toEqual(
      [
        'ValidateWorkflowInput',
        'RunPlatformChecks',
        ...checkStates,
        'IsPerformanceRequested',
        'SkipPerformanceChecks',
        'CollectPerformanceChecks',
        'BuildValidationReport',
        'IsPlatformHealthy',
        'ReportPlatformHealthy',
        'SerializeValidationReport',
        'ShouldNotify',
        'NotifyOperators',
        'ReportPlatformUnhealthy',
      ].sort(),
    );
    for (const name of Object.keys(states)) expect(name).toMatch(/^[A-Z][a-z]+(?:[A-Z0-9][a-z0-9]*)+$/);
  });

  it('validates the input into $.request first and times out after 20 minutes', () => {
    expect(definition.StartAt).toBe('ValidateWorkflowInput');
    expect(definition.TimeoutSeconds).toBe(1200);
    expect(states.ValidateWorkflowInput).toMatchObject({
      Type: 'Task',
      ResultPath: '$.request',
      Next: 'RunPlatformChecks',
    });
    expect(handlerOf(states.ValidateWorkflowInput!)).toBe('functions/validate-workflow-input.handler.ts');
  });

  it('runs one branch per check, each on the request, retried, and caught into an ERROR result', () => {
    const parallel = states.RunPlatformChecks!;
    expect(parallel).toMatchObject({
      Type: 'Parallel',
      ResultPath: '$.checks',
      Next: 'IsPerformanceRequested',
    });
    const branches = parallel.Branches as AslStateMachine[];
    expect(branches.map((branch) => branch.StartAt)).toEqual(
      CHECK_NAMES.map((name) => CHECK_STATES[name].task),
    );

    for (const checkName of CHECK_NAMES) {
      const { task, recordError } = CHECK_STATES[checkName];
      const check = states[task]!;
      expect(handlerOf(check)).toBe(`functions/${CHECK_HANDLERS[checkName]}.handler.ts`);
      expect(check).toMatchObject({ Type: 'Task', InputPath: '$.request', End: true });
      expect(check.Retry).toEqual([
        expect.objectContaining({ ErrorEquals: [...RETRYABLE_ERROR_NAMES] }),
        expect.objectContaining({ ErrorEquals: [...LAMBDA_SERVICE_ERRORS] }),
      ]);
      expect(check.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: recordError },
      ]);
      expect(states[recordError]).toEqual({
        Type: 'Pass',
        Parameters: {
          name: checkName,
          status: 'ERROR',
          'detail.$': '$.error.Cause',
          durationMs: 0,
          observations: { 'error.$': '$.error.Error' },
        },
        End: true,
      });
    }
  });

  it('runs the performance checks one after the other when asked, each caught into an ERROR result', () => {
    expect(states.IsPerformanceRequested).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.request.performance', BooleanEquals: true, Next: 'CheckS5cmdThroughput' }],
      Default: 'SkipPerformanceChecks',
    });
    expect(states.SkipPerformanceChecks).toEqual({
      Type: 'Pass',
      Result: { checks: [] },
      ResultPath: '$.performanceChecks',
      Next: 'BuildValidationReport',
    });
    const order = [
      ...PERFORMANCE_CHECK_NAMES.map((name) => CHECK_STATES[name].task),
      'CollectPerformanceChecks',
    ];
    PERFORMANCE_CHECK_NAMES.forEach((checkName, index) => {
      const { task, recordError } = CHECK_STATES[checkName];
      const resultPath = PERFORMANCE_RESULT_PATHS[checkName];
      expect(handlerOf(states[task]!)).toBe(`functions/${CHECK_HANDLERS[checkName]}.handler.ts`);
      expect(states[task]).toMatchObject({
        Type: 'Task',
        InputPath: '$.request',
        ResultPath: resultPath,
        Next: order[index + 1],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: resultPath, Next: recordError }],
      });
      expect(states[recordError]).toEqual({
        Type: 'Pass',
        Parameters: {
          name: checkName,
          status: 'ERROR',
          'detail.$': `${resultPath}.Cause`,
          durationMs: 0,
          observations: { 'error.$': `${resultPath}.Error` },
        },
        ResultPath: resultPath,
        Next: order[index + 1],
      });
    });
    expect(states.CollectPerformanceChecks).toEqual({
      Type: 'Pass',
      Parameters: { 'checks.$': `States.Array(${Object.values(PERFORMANCE_RESULT_PATHS).join(', ')})` },
      ResultPath: '$.performanceChecks',
      Next: 'BuildValidationReport',
    });
  });

  it('builds the report from the request and the checks, then branches on its status', () => {
    expect(states.BuildValidationReport).toMatchObject({
      Type: 'Task',
      Parameters: {
        'request.$': '$.request',
        'checks.$': '$.checks',
        'performanceChecks.$': '$.performanceChecks.checks',
      },
      ResultPath: '$.report',
      Next: 'IsPlatformHealthy',
    });
    expect(handlerOf(states.BuildValidationReport!)).toBe('functions/build-validation-report.handler.ts');
    expect(states.IsPlatformHealthy).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.report.status', StringEquals: 'HEALTHY', Next: 'ReportPlatformHealthy' }],
      Default: 'SerializeValidationReport',
    });
    expect(states.SerializeValidationReport).toEqual({
      Type: 'Pass',
      Parameters: { 'cause.$': 'States.JsonToString($.report)' },
      ResultPath: '$.verdict',
      Next: 'ShouldNotify',
    });
    expect(states.ReportPlatformHealthy).toEqual({ Type: 'Succeed', OutputPath: '$.report' });
  });

  it('notifies only when asked and fails with PlatformUnhealthy either way', () => {
    expect(states.ShouldNotify).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.request.notify', BooleanEquals: true, Next: 'NotifyOperators' }],
      Default: 'ReportPlatformUnhealthy',
    });
    const notify = states.NotifyOperators!;
    expect(handlerOf(notify)).toBe('functions/notify.handler.ts');
    expect(notify).toMatchObject({
      ResultPath: '$.notification',
      Next: 'ReportPlatformUnhealthy',
      Parameters: { workflow: 'validate-platform', 'detail.$': '$.report' },
      Catch: [
        { ErrorEquals: ['States.ALL'], ResultPath: '$.notificationError', Next: 'ReportPlatformUnhealthy' },
      ],
    });
    expect(states.ReportPlatformUnhealthy).toEqual({
      Type: 'Fail',
      Error: 'PlatformUnhealthy',
      CausePath: '$.verdict.cause',
    });
  });

  it('invokes every handler the workflow declares, and no other', () => {
    const invoked = new Set(
      Object.values(states)
        .filter((state) => state.Type === 'Task')
        .map(handlerOf),
    );
    expect([...invoked].sort()).toEqual(
      VALIDATE_PLATFORM_HANDLERS.map((name) => `functions/${name}.handler.ts`).sort(),
    );
  });

  it('uses only what the local engine runs: JSONPath, no Assign, no ItemReader', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/"QueryLanguage"|"Assign"|"ItemReader"|"Arguments"|"Output"|\{%/);
  });
});

describe('validatePlatformWorkflow execution (local engine, stub handlers)', () => {
  type Scenario = {
    failing?: string[];
    throwing?: Record<string, Error>;
    /** Checks that throw TransientError on their first call only. */
    flaky?: string[];
    notifyFails?: boolean;
  };

  function stubHandlers(scenario: Scenario, notifications: unknown[]) {
    const handlers: Record<string, (input: never) => unknown> = {
      ValidateWorkflowInput: (input: { notify?: boolean; requestedBy?: string; performance?: boolean }) => ({
        suite: 'full',
        notify: input.notify ?? true,
        requestedBy: input.requestedBy ?? 'console',
        performance: input.performance ?? false,
      }),
      BuildValidationReport: (input: { checks: CheckResult[]; performanceChecks: CheckResult[] }) => {
        const checks = [...input.checks, ...input.performanceChecks];
        const count = (status: string) => checks.filter((check) => check.status === status).length;
        const summary = { passed: count('PASSED'), failed: count('FAILED'), errored: count('ERROR') };
        const healthy = summary.failed === 0 && summary.errored === 0;
        return {
          workflow: 'validate-platform',
          environment: 'development',
          status: healthy ? 'HEALTHY' : 'UNHEALTHY',
          summary,
          checks,
        };
      },
      NotifyOperators: (input: unknown) => {
        if (scenario.notifyFails) throw Object.assign(new Error('SNS is down'), { name: 'TransientError' });
        notifications.push(input);
        return { messageId: 'message-1' };
      },
    };
    for (const checkName of [...CHECK_NAMES, ...PERFORMANCE_CHECK_NAMES]) {
      let calls = 0;
      handlers[CHECK_STATES[checkName].task] = (request: { requestedBy: string }) => {
        calls += 1;
        const error = scenario.throwing?.[checkName];
        if (error) throw error;
        if (scenario.flaky?.includes(checkName) && calls === 1) {
          throw Object.assign(new Error('connection reset'), { name: 'TransientError' });
        }
        const status = scenario.failing?.includes(checkName) ? 'FAILED' : 'PASSED';
        return {
          name: checkName,
          status,
          detail: `for ${request.requestedBy}`,
          durationMs: 5,
          observations: {},
        };
      };
    }
    return handlers;
  }

  async function execute(input: object, scenario: Scenario = {}) {
    const notifications: unknown[] = [];
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    const retryIntervalOverrides = Object.fromEntries(Object.keys(states).map((name) => [name, 0]));
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: stubHandlers(scenario, notifications) as never,
        retryIntervalOverrides,
      },
    });
    // The engine wraps a failed execution's error (name = Error, message = Cause) in `cause`.
    const outcome = await execution.result.then(
      (output) => ({ output, failure: undefined }),
      (error: Error) => {
        const cause = error.cause as Error;
        return { output: undefined, failure: { error: cause.name, cause: cause.message } };
      },
    );
    return { ...outcome, notifications };
  }

  it('succeeds with the report as output when every check passes', async () => {
    const { output, failure, notifications } = await execute({ requestedBy: 'schedule' });
    expect(failure).toBeUndefined();
    expect(output).toMatchObject({ status: 'HEALTHY', summary: { passed: 7, failed: 0, errored: 0 } });
    expect((output as { checks: CheckResult[] }).checks.map((check) => check.name)).toEqual([...CHECK_NAMES]);
    expect(notifications).toEqual([]);
  });

  it('adds the performance checks, in order, when the request asks for them', async () => {
    const { output, failure } = await execute({ performance: true });
    expect(failure).toBeUndefined();
    expect((output as { checks: CheckResult[] }).checks.map((check) => check.name)).toEqual([
      ...CHECK_NAMES,
      ...PERFORMANCE_CHECK_NAMES,
    ]);
  });

  it('records a performance check that throws as ERROR and still runs the next one', async () => {
    const crash = Object.assign(new Error('Prefect API answered 404'), { name: 'PrefectApiError' });
    const { failure } = await execute(
      { performance: true, notify: false },
      { throwing: { 'prefect-api-latency': crash }, failing: ['flow-run-burst'] },
    );
    const report = JSON.parse(failure?.cause ?? '{}') as { checks: CheckResult[]; summary: unknown };
    expect(report.summary).toEqual({ passed: 8, failed: 1, errored: 1 });
    expect(report.checks.find((check) => check.name === 'prefect-api-latency')).toMatchObject({
      status: 'ERROR',
      observations: { error: 'PrefectApiError' },
    });
  });

  it('retries a check that fails with TransientError', async () => {
    const { output, failure } = await execute({}, { flaky: ['minio-s3-probe'] });
    expect(failure).toBeUndefined();
    expect(output).toMatchObject({ status: 'HEALTHY', summary: { passed: 7 } });
  });

  it('records a check that throws as an ERROR result and still reports', async () => {
    const crash = Object.assign(new Error('403 from the Kubernetes API'), { name: 'KubernetesApiError' });
    const { failure, notifications } = await execute({ notify: true }, { throwing: { prefect: crash } });
    expect(failure?.error).toBe('PlatformUnhealthy');
    const [notification] = notifications as { summary: string; detail: { checks: CheckResult[] } }[];
    expect(notification?.summary).toBe('6 passed, 0 failed, 1 errored');
    const prefect = notification?.detail.checks.find((check) => check.name === 'prefect');
    expect(prefect).toMatchObject({
      status: 'ERROR',
      durationMs: 0,
      observations: { error: 'KubernetesApiError' },
    });
    expect(prefect?.detail).toContain('403 from the Kubernetes API');
  });

  it('notifies the operators and fails with PlatformUnhealthy when a check fails', async () => {
    const { failure, notifications } = await execute({ notify: true }, { failing: ['nodes'] });
    expect(failure?.error).toBe('PlatformUnhealthy');
    expect(JSON.parse(failure?.cause ?? '{}')).toMatchObject({ status: 'UNHEALTHY', summary: { failed: 1 } });
    expect(notifications).toEqual([
      expect.objectContaining({
        workflow: 'validate-platform',
        subject: 'lakehouse-ops development: platform UNHEALTHY',
        summary: '6 passed, 1 failed, 0 errored',
      }),
    ]);
  });

  it('fails without notifying when the request says notify: false', async () => {
    const { failure, notifications } = await execute({ notify: false }, { failing: ['monitoring'] });
    expect(failure?.error).toBe('PlatformUnhealthy');
    expect(notifications).toEqual([]);
  });

  it('still fails with PlatformUnhealthy when the notification cannot be sent', async () => {
    const { failure } = await execute({ notify: true }, { failing: ['monitoring'], notifyFails: true });
    expect(failure?.error).toBe('PlatformUnhealthy');
  });
});
