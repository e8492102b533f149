import { type CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  type IChainable,
  InputType,
  IntegrationPattern,
  JitterType,
  LogLevel,
  StateMachine,
  StateMachineType,
  type TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RETRYABLE_ERROR_NAMES } from '../../functions/commons/errors.ts';
import { acknowledgeWildcardResources, acknowledgeXRayWildcard } from './nag-acknowledgements.ts';

/** CloudFormation Metadata key the local runner uses to find a workflow's state machine. */
export const WORKFLOW_METADATA_KEY = 'lakehouse-ops:workflow';

/** Errors the Lambda service itself raises: the function never ran, so running it again is safe. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** The name operators see in the console and the runbooks: `lakehouse-ops-<env>-<workflow>`. */
export function stateMachineName(environmentName: string, workflowName: string): string {
  return `lakehouse-ops-${environmentName}-${workflowName}`;
}

export interface WorkflowProps {
  /** kebab-case, as in workflows/<name>.workflow.ts. */
  readonly workflowName: string;
  readonly environmentName: string;
  /** Required: a stuck execution must end, and its alarm must fire, within a known time. */
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  /** What happens to the (named) execution log group when the stack is deleted. Default RETAIN. */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Builds the flow; the states are created under the scope it is given. */
  readonly definition: (scope: Construct) => IChainable;
  readonly comment?: string;
}

/**
 * A STANDARD state machine with this project's defaults: execution history logged at level ALL
 * with execution data, X-Ray tracing, an explicit timeout, and Metadata naming the workflow.
 */
export class Workflow extends Construct {
  readonly workflowName: string;
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(props.workflowName)) {
      throw new Error(
        `Workflow name "${props.workflowName}": expected kebab-case such as "validate-platform"`,
      );
    }
    this.workflowName = props.workflowName;
    const name = stateMachineName(props.environmentName, props.workflowName);

    // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account-wide
    // CloudWatch Logs resource policy with one entry per log group.
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const definition = props.definition(this);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: props.timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      comment: props.comment,
    });
    (this.stateMachine.node.defaultChild as CfnResource).addMetadata(
      WORKFLOW_METADATA_KEY,
      props.workflowName,
    );
    this.acknowledgeRolePolicyWildcards();
  }

  private acknowledgeRolePolicyWildcards() {
    const role = this.stateMachine.role as Role;
    acknowledgeXRayWildcard(
      role,
      'the CloudWatch Logs delivery actions that Step Functions logging needs (logs:CreateLogDelivery etc.) support no resource-level permissions',
    );
    const defaultPolicy = role.node.findChild('DefaultPolicy');
    for (const construct of this.node.findAll()) {
      const fn = invokedFunctions.get(construct);
      if (fn) {
        acknowledgeWildcardResources(
          defaultPolicy,
          fn.resourceArnsForGrantInvoke,
          'lambda:InvokeFunction on one function and its versions/aliases (<arn>:*), as the Step Functions task grants it',
        );
      }
    }
  }
}

// Which function each task invokes, so the workflow can acknowledge exactly those ARNs. Tasks are
// found under the workflow's own scope, which is why `definition` receives that scope.
const invokedFunctions = new WeakMap<Construct, IFunction>();

export interface InvokeOpsFunctionProps {
  /** The function's event; the whole state input by default. */
  readonly inputPath?: string;
  /** The Task's Parameters (an object: `TaskInput.fromObject` with JsonPath values), instead of inputPath. */
  readonly payload?: TaskInput;
  /** Where the result goes; by default it replaces the state. */
  readonly resultPath?: string;
  /** What the state passes on (after resultPath); the whole state by default. */
  readonly outputPath?: string;
  readonly comment?: string;
  /**
   * How long Step Functions waits for one attempt: by default the function's own timeout plus
   * INVOKE_MARGIN. Every Task has one, so a workflow's worst case can be computed (the RTO budget:
   * worst-case-duration.ts); a shorter one suits a step on a time budget.
   */
  readonly taskTimeout?: Duration;
  /**
   * How many times a failed attempt is tried again, on the project's transient errors (default 3)
   * and on Lambda service errors (default 4); 0 leaves that retrier out. The worst case counts every
   * retry at its full task timeout, so a step on a time budget (the failover's RTO) retries less.
   */
  readonly retries?: { readonly transient?: number; readonly lambdaService?: number };
}

/** Beyond the function's timeout: the invoke's own latency (cold start, payload transfer). */
export const INVOKE_MARGIN = Duration.seconds(10);

/** The task timeout of an invocation of `fn`: its timeout plus INVOKE_MARGIN, when it is known. */
function defaultTaskTimeout(fn: IFunction): Duration | undefined {
  const { timeout } = fn as Partial<Pick<LambdaFunction, 'timeout'>>;
  return timeout ? timeout.plus(INVOKE_MARGIN) : undefined;
}

/**
 * A Lambda task whose Resource is the function ARN (`payloadResponseOnly`: the result is the
 * handler's return value, and the local runner maps the ARN back to the handler), retried on the
 * project's transient errors and on Lambda service errors.
 */
export function invokeOpsFunction(
  scope: Construct,
  id: string,
  fn: IFunction,
  props: InvokeOpsFunctionProps = {},
): LambdaInvoke {
  if (props.inputPath !== undefined && props.payload !== undefined) {
    throw new Error(`Task ${id}: give either inputPath or payload, not both`);
  }
  // With payloadResponseOnly the payload becomes the Task's Parameters, which must be an object.
  if (props.payload !== undefined && props.payload.type !== InputType.OBJECT) {
    throw new Error(`Task ${id}: payload must be TaskInput.fromObject(...); use inputPath to pass a path`);
  }
  const task = new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    // Replaced by the explicit Retry below, which also covers throttling.
    retryOnServiceExceptions: false,
    inputPath: props.inputPath,
    payload: props.payload,
    resultPath: props.resultPath,
    outputPath: props.outputPath,
    comment: props.comment,
    ...timeoutOf(props.taskTimeout ?? defaultTaskTimeout(fn)),
  });
  const transientRetries = props.retries?.transient ?? 3;
  if (transientRetries > 0) {
    task.addRetry({
      errors: [...RETRYABLE_ERROR_NAMES],
      interval: Duration.seconds(2),
      maxAttempts: transientRetries,
      backoffRate: 2,
      maxDelay: Duration.seconds(20),
      jitterStrategy: JitterType.FULL,
    });
  }
  retryLambdaServiceErrors(task, props.retries?.lambdaService);
  invokedFunctions.set(task, fn);
  return task;
}

function timeoutOf(duration: Duration | undefined) {
  return duration ? { taskTimeout: Timeout.duration(duration) } : {};
}

/** Throttling and Lambda's own service errors: the invocation never ran, so it is safe to repeat. */
function retryLambdaServiceErrors(task: LambdaInvoke, maxAttempts = 4): void {
  if (maxAttempts <= 0) return;
  task.addRetry({
    errors: [...LAMBDA_SERVICE_ERRORS],
    interval: Duration.seconds(1),
    maxAttempts,
    backoffRate: 2,
  });
}

export interface WaitForTaskTokenProps {
  /** The function's event; must carry `JsonPath.taskToken` for whoever answers. */
  readonly payload: TaskInput;
  readonly resultPath?: string;
  /** How long the token may go unanswered: then States.Timeout. */
  readonly timeout: Duration;
  readonly comment?: string;
  /** Retries on Lambda service errors (default 4); each counts at the full timeout in the worst case. */
  readonly lambdaServiceRetries?: number;
}

/**
 * A Lambda task that waits for SendTaskSuccess/Failure with the token it hands the function
 * (`lambda:invoke.waitForTaskToken`): approvals. The function's own result is discarded; the
 * answer becomes the Task's result. Retried only on Lambda service errors, where the function never
 * ran (a retry hands a new token; the old one then answers TaskTimedOut).
 */
export function invokeOpsFunctionWithTaskToken(
  scope: Construct,
  id: string,
  fn: IFunction,
  props: WaitForTaskTokenProps,
): LambdaInvoke {
  const task = new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    retryOnServiceExceptions: false,
    payload: props.payload,
    resultPath: props.resultPath,
    taskTimeout: Timeout.duration(props.timeout),
    comment: props.comment,
  });
  retryLambdaServiceErrors(task, props.lambdaServiceRetries);
  invokedFunctions.set(task, fn);
  return task;
}
