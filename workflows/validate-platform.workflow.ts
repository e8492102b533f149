/**
 * validate-platform: the platform's full health suite.
 *
 * 1. ValidateWorkflowInput checks the raw input and writes the request to $.request.
 * 2. RunPlatformChecks runs one branch per check (CHECK_NAMES) in parallel and collects the
 *    CheckResults in $.checks. A check whose Lambda fails (after retries) does not stop the suite:
 *    Record<Check>Error turns the error into an ERROR result.
 * 3. IsPerformanceRequested: with request.performance true, the performance checks
 *    (PERFORMANCE_CHECK_NAMES: s5cmd throughput, Prefect API latency, a burst of flow runs) run one
 *    after the other, each into $.performanceResults.<check> with the same Catch-to-ERROR as the
 *    health checks, and CollectPerformanceChecks lists them at $.performanceChecks.checks;
 *    otherwise SkipPerformanceChecks writes an empty list there.
 *    After the health stage and one at a time, never beside other work: each measures one number,
 *    and a throughput Job saturating MinIO's network beside a latency probe would skew both (the
 *    local drill showed a Prefect p95 ten times its quiet value with the three in parallel). They
 *    run whatever the health verdicts were: the numbers are what an operator investigating a slow
 *    platform needs, and each cleans up after itself (the burst cancels unfinished runs, the
 *    throughput Job has a deadline).
 * 4. BuildValidationReport turns request + checks + performance checks into the report at $.report.
 * 5. IsPlatformHealthy: a HEALTHY report ends in ReportPlatformHealthy, whose output is the report.
 * 6. Otherwise SerializeValidationReport puts the report's JSON at $.verdict.cause, and
 *    ShouldNotify: when request.notify is true, NotifyOperators publishes the report (subject and
 *    a one-line count summary for the e-mail, the whole report as detail; a failed notification is
 *    recorded in $.notificationError and does not hide the verdict). Then ReportPlatformUnhealthy
 *    fails the execution with PlatformUnhealthy and the report as cause.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  JsonPath,
  Parallel,
  Pass,
  Result,
  type State,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  CHECK_NAMES,
  type CheckName,
  PERFORMANCE_CHECK_NAMES,
} from '../functions/core/validation/check-result.ts';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';
import { pascalCase } from '../infra/naming.ts';

export const VALIDATE_PLATFORM_WORKFLOW = 'validate-platform';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const VALIDATE_PLATFORM_HANDLERS = [
  'validate-workflow-input',
  'check-eks-cluster',
  'check-nodes',
  'check-prefect',
  'check-minio-statefulset',
  'probe-minio-s3',
  'check-s5cmd-executor',
  'check-monitoring',
  'check-s5cmd-throughput',
  'check-prefect-api-latency',
  'check-flow-run-burst',
  'build-validation-report',
  'notify',
] as const;
export type ValidatePlatformHandler = (typeof VALIDATE_PLATFORM_HANDLERS)[number];

/** Which handler runs each check; typed by CheckName, so a new check cannot be left unwired. */
export const CHECK_HANDLERS: Record<CheckName, ValidatePlatformHandler> = {
  'eks-cluster': 'check-eks-cluster',
  nodes: 'check-nodes',
  prefect: 'check-prefect',
  'minio-statefulset': 'check-minio-statefulset',
  'minio-s3-probe': 'probe-minio-s3',
  's5cmd-executor': 'check-s5cmd-executor',
  monitoring: 'check-monitoring',
  's5cmd-throughput': 'check-s5cmd-throughput',
  'prefect-api-latency': 'check-prefect-api-latency',
  'flow-run-burst': 'check-flow-run-burst',
};

/** Health checks take about a minute; the performance stage adds up to its functions' timeouts. */
export const VALIDATE_PLATFORM_TIMEOUT = Duration.minutes(20);

export interface ValidatePlatformWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<ValidatePlatformHandler, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function validatePlatformWorkflow(
  scope: Construct,
  id: string,
  props: ValidatePlatformWorkflowProps,
): Workflow {
  return new Workflow(scope, id, {
    workflowName: VALIDATE_PLATFORM_WORKFLOW,
    environmentName: props.environmentName,
    timeout: VALIDATE_PLATFORM_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment: 'Full platform health suite: EKS, nodes, Prefect, MinIO, s5cmd, monitoring',
    definition: (definitionScope) => defineValidatePlatform(definitionScope, props.functions),
  });
}

function defineValidatePlatform(scope: Construct, functions: ValidatePlatformWorkflowProps['functions']) {
  const validateInput = invokeOpsFunction(
    scope,
    'ValidateWorkflowInput',
    functions['validate-workflow-input'],
    {
      resultPath: '$.request',
      comment: 'Validate the raw input into a ValidatePlatformRequest',
    },
  );

  const runChecks = new Parallel(scope, 'RunPlatformChecks', {
    resultPath: '$.checks',
    comment: 'One branch per platform check; each branch ends with a CheckResult',
  });
  for (const checkName of CHECK_NAMES) {
    runChecks.branch(defineCheck(scope, checkName, functions[CHECK_HANDLERS[checkName]]).check);
  }

  const buildReport = invokeOpsFunction(
    scope,
    'BuildValidationReport',
    functions['build-validation-report'],
    {
      payload: TaskInput.fromObject({
        request: JsonPath.objectAt('$.request'),
        checks: JsonPath.listAt('$.checks'),
        performanceChecks: JsonPath.listAt('$.performanceChecks.checks'),
      }),
      resultPath: '$.report',
    },
  );

  const performanceResult = (checkName: CheckName) => `$.performanceResults.${pascalCase(checkName)}`;
  const collectPerformanceChecks = new Pass(scope, 'CollectPerformanceChecks', {
    parameters: {
      checks: JsonPath.array(
        ...PERFORMANCE_CHECK_NAMES.map((name) => JsonPath.stringAt(performanceResult(name))),
      ),
    },
    resultPath: '$.performanceChecks',
  });
  // Built from the last check back: a check and its error record both continue with the next one.
  let runPerformanceChecks: State = collectPerformanceChecks;
  for (const checkName of [...PERFORMANCE_CHECK_NAMES].reverse()) {
    const fn = functions[CHECK_HANDLERS[checkName]];
    const { check, recordError } = defineCheck(scope, checkName, fn, performanceResult(checkName));
    check.next(runPerformanceChecks);
    recordError.next(runPerformanceChecks);
    runPerformanceChecks = check;
  }
  collectPerformanceChecks.next(buildReport);
  const skipPerformanceChecks = new Pass(scope, 'SkipPerformanceChecks', {
    result: Result.fromObject({ checks: [] }),
    resultPath: '$.performanceChecks',
  });

  const reportHealthy = new Succeed(scope, 'ReportPlatformHealthy', { outputPath: '$.report' });
  // The local engine cannot evaluate an intrinsic function in a Fail's CausePath, so the report is
  // serialized by a Pass first and the Fail points at the string.
  const serializeReport = new Pass(scope, 'SerializeValidationReport', {
    parameters: { cause: JsonPath.jsonToString(JsonPath.objectAt('$.report')) },
    resultPath: '$.verdict',
  });
  const reportUnhealthy = new Fail(scope, 'ReportPlatformUnhealthy', {
    error: 'PlatformUnhealthy',
    causePath: '$.verdict.cause',
  });

  const notifyOperators = invokeOpsFunction(scope, 'NotifyOperators', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: VALIDATE_PLATFORM_WORKFLOW,
      subject: JsonPath.format(
        'lakehouse-ops {}: platform UNHEALTHY',
        JsonPath.stringAt('$.report.environment'),
      ),
      summary: JsonPath.format(
        '{} passed, {} failed, {} errored',
        JsonPath.stringAt('$.report.summary.passed'),
        JsonPath.stringAt('$.report.summary.failed'),
        JsonPath.stringAt('$.report.summary.errored'),
      ),
      detail: JsonPath.objectAt('$.report'),
    }),
    resultPath: '$.notification',
  });
  notifyOperators.addCatch(reportUnhealthy, { errors: ['States.ALL'], resultPath: '$.notificationError' });

  const shouldNotify = new Choice(scope, 'ShouldNotify')
    .when(Condition.booleanEquals('$.request.notify', true), notifyOperators.next(reportUnhealthy))
    .otherwise(reportUnhealthy);

  const isHealthy = new Choice(scope, 'IsPlatformHealthy')
    .when(Condition.stringEquals('$.report.status', 'HEALTHY'), reportHealthy)
    .otherwise(serializeReport.next(shouldNotify));

  const isPerformanceRequested = new Choice(scope, 'IsPerformanceRequested')
    .when(Condition.booleanEquals('$.request.performance', true), runPerformanceChecks)
    .otherwise(skipPerformanceChecks.next(buildReport));
  buildReport.next(isHealthy);

  return validateInput.next(runChecks).next(isPerformanceRequested);
}

/**
 * One check: its Task, and a Catch that turns the Lambda's error into an ERROR CheckResult.
 * Without `resultPath` (a Parallel branch) the result is the branch's output; with it (a check in
 * a sequence) the result, or the error and then the ERROR result in its place, lands there.
 */
function defineCheck(scope: Construct, checkName: CheckName, fn: IFunction, resultPath?: string) {
  const stateSuffix = pascalCase(checkName);
  const check = invokeOpsFunction(scope, `Check${stateSuffix}`, fn, {
    inputPath: '$.request',
    ...(resultPath ? { resultPath } : {}),
    comment: `Run the ${checkName} check`,
  });
  const errorPath = resultPath ?? '$.error';
  // The error becomes this check's result, so one broken check still yields a full report.
  const recordError = new Pass(scope, `Record${stateSuffix}Error`, {
    parameters: {
      name: checkName,
      status: 'ERROR',
      detail: JsonPath.stringAt(`${errorPath}.Cause`),
      durationMs: 0,
      observations: { error: JsonPath.stringAt(`${errorPath}.Error`) },
    },
    ...(resultPath ? { resultPath } : {}),
  });
  check.addCatch(recordError, { errors: ['States.ALL'], resultPath: errorPath });
  return { check, recordError };
}
