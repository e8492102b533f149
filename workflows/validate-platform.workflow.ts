/**
 * validate-platform: the platform's full health suite.
 *
 * 1. ValidateWorkflowInput checks the raw input and writes the request to $.request.
 * 2. RunPlatformChecks runs one branch per check (CHECK_NAMES) in parallel and collects the
 *    CheckResults in $.checks. A check whose Lambda fails (after retries) does not stop the suite:
 *    Record<Check>Error turns the error into an ERROR result.
 * 3. BuildValidationReport turns request + checks into the report at $.report.
 * 4. IsPlatformHealthy: a HEALTHY report ends in ReportPlatformHealthy, whose output is the report.
 * 5. Otherwise SerializeValidationReport puts the report's JSON at $.verdict.cause, and
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
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { CHECK_NAMES, type CheckName } from '../functions/core/validation/check-result.ts';
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
};

export const VALIDATE_PLATFORM_TIMEOUT = Duration.minutes(10);

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
    runChecks.branch(defineCheckBranch(scope, checkName, functions[CHECK_HANDLERS[checkName]]));
  }

  const buildReport = invokeOpsFunction(
    scope,
    'BuildValidationReport',
    functions['build-validation-report'],
    {
      payload: TaskInput.fromObject({
        request: JsonPath.objectAt('$.request'),
        checks: JsonPath.listAt('$.checks'),
      }),
      resultPath: '$.report',
    },
  );

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

  return validateInput.next(runChecks).next(buildReport).next(isHealthy);
}

function defineCheckBranch(scope: Construct, checkName: CheckName, fn: IFunction) {
  const stateSuffix = pascalCase(checkName);
  const check = invokeOpsFunction(scope, `Check${stateSuffix}`, fn, {
    inputPath: '$.request',
    comment: `Run the ${checkName} check`,
  });
  // The error becomes this check's result, so one broken check still yields a full report.
  const recordError = new Pass(scope, `Record${stateSuffix}Error`, {
    parameters: {
      name: checkName,
      status: 'ERROR',
      detail: JsonPath.stringAt('$.error.Cause'),
      durationMs: 0,
      observations: { error: JsonPath.stringAt('$.error.Error') },
    },
  });
  check.addCatch(recordError, { errors: ['States.ALL'], resultPath: '$.error' });
  return check;
}
