import { ArnFormat, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  alertIngressHandlerEnvironment,
  alertIngressSnsHandlerEnvironment,
  alertmanagerHandlerEnvironment,
  approveRemediationHandlerEnvironment,
  escalateRemediationHandlerEnvironment,
  kubernetesHandlerEnvironment,
  preflightRemediationHandlerEnvironment,
  prometheusHandlerEnvironment,
  remediationLeaseHandlerEnvironment,
  remediationLimitsHandlerEnvironment,
  requestApprovalHandlerEnvironment,
  resolveRemediationHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { auditPartitionKey } from '../../functions/core/audit/audit-trail.ts';
import { COST_OPTIMISE_WORKFLOW } from '../../functions/core/cost/apply/request.ts';
import { DR_FAILOVER_WORKFLOW } from '../../functions/core/dr/failover/request.ts';
import { lockKey } from '../../functions/core/locks/lease-lock.ts';
import { REMEDIATION_LOCK_SCOPE } from '../../functions/core/remediation/lease.ts';
import { PLAYBOOK_NAMES, type PlaybookName } from '../../functions/core/remediation/playbooks/catalogue.ts';
import {
  REMEDIATE_HANDLERS,
  REMEDIATE_WORKFLOW,
  type RemediateHandler,
} from '../../workflows/remediate.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import type { RemediationConfig } from '../config/remediation-config.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { stateMachineName } from '../constructs/workflow.ts';
import { functionConstructId } from '../naming.ts';
import type { FunctionBuilder } from './backup-function-setup.ts';
import { grantDescribeCluster, grantNodegroups, grantPublish, grantReadSecret } from './function-grants.ts';
import {
  alertEventBusName,
  alertWebhookSecretName,
  approvalSigningSecretName,
} from './remediation-naming.ts';

/**
 * How each function of alert-driven remediation is deployed (docs/remediation.md): the remediate
 * workflow's steps and playbooks, the alert ingress (Alertmanager webhook and Amazon Managed
 * Prometheus through SNS) and the approval links. Every ops-table grant is confined to the
 * partition keys the handler's core module writes; the Kubernetes side is the
 * `lakehouse-ops:remediation` group's RBAC (cluster-manifests/src/rbac.ts) through the functions'
 * access entries. The Function URLs are created here, with the function they expose: both use
 * auth type NONE, because their callers (Alertmanager, an approver's browser) hold no AWS
 * credentials; the handler authenticates every request itself (bearer/basic token, HMAC-signed link).
 */

/** Handlers that belong to remediation but are not steps of the workflow. */
export const ALERT_INGRESS_HANDLERS = ['alert-ingress', 'alert-ingress-sns'] as const;
export const APPROVAL_HANDLERS = ['approve-remediation'] as const;

export type RemediationFunctionName =
  | Exclude<RemediateHandler, 'notify'>
  | (typeof ALERT_INGRESS_HANDLERS)[number]
  | (typeof APPROVAL_HANDLERS)[number];

/** Every handler remediation deploys, the shared notify included: the OpsStack's list. */
export const REMEDIATION_HANDLERS = [
  ...REMEDIATE_HANDLERS,
  ...ALERT_INGRESS_HANDLERS,
  ...APPROVAL_HANDLERS,
] as const;

const REMEDIATION_FUNCTION_NAMES: ReadonlySet<string> = new Set(
  REMEDIATION_HANDLERS.filter((name) => name !== 'notify'),
);

export function isRemediationFunctionName(name: string): name is RemediationFunctionName {
  return REMEDIATION_FUNCTION_NAMES.has(name);
}

export interface RemediationFunctionSetup {
  readonly config: EnvironmentConfig;
  readonly kubernetes: { CLUSTER_NAME: string; PLATFORM_LAYOUT?: string };
  readonly opsTableName: string;
  readonly notificationTopic: ITopic;
  readonly key: IKey;
  readonly grantOpsTableItems: (
    fn: OpsFunction,
    actions: readonly string[],
    partitionKeyPatterns: string | readonly string[],
  ) => void;
  /** The workflows approve-remediation answers in this stack; all of APPROVING_WORKFLOWS by default. */
  readonly approvingWorkflows?: readonly string[];
}

/** The partition keys of remediation's items in the ops table (each written by one core module). */
export const REMEDIATION_ITEMS = {
  /** functions/core/remediation/lease.ts through core/locks/lease-lock.ts. */
  leases: lockKey(REMEDIATION_LOCK_SCOPE, '*'),
  /** rate-limits.ts: one counter per scope and hour. */
  rateCounters: 'RATE#*',
  /** breaker.ts: one breaker per playbook. */
  breakers: 'BREAKER#*',
  /** step-record.ts through core/audit/audit-trail.ts. */
  audit: `${auditPartitionKey(REMEDIATE_WORKFLOW, '')}*`,
  /** ingress/alert-dedup.ts: one item per (fingerprint, startsAt, status). */
  alertDedup: 'ALERT#*',
  /** approval/approval-store.ts: one item per approval, holding its task token. */
  approvals: 'APPROVAL#*',
} as const;

/** What resolve-remediation reads as REMEDIATION_ROUTING (remediation-plan.ts parseRemediationRouting). */
export function remediationRoutingVariable(remediation: RemediationConfig): string {
  const { routes, playbooks, approvalTimeoutMinutes, verify } = remediation;
  return JSON.stringify({ routes, playbooks, approvalTimeoutMinutes, verify });
}

/** What the limits and the step records read as REMEDIATION_LIMITS (limits.ts parseLimitsSettings). */
export function remediationLimitsVariable(remediation: RemediationConfig): string {
  const { rateLimits, breaker } = remediation;
  return JSON.stringify({ rateLimits, breaker });
}

/** A Kubernetes step: a handful of API calls, each with a 10 s deadline. */
const KUBERNETES_STEP = Duration.seconds(60);
/** A DynamoDB step: a few item operations. */
const TABLE_STEP = Duration.seconds(15);
/** An HTTP step inside the VPC or to SNS, with the client's own deadlines and retries. */
const HTTP_STEP = Duration.seconds(30);
/**
 * The drain's bound: cordon-drain-node stops evicting 15 s before the invocation's end and returns
 * what it did (a 429 from a PodDisruptionBudget is retried inside it until then).
 */
const DRAIN_STEP = Duration.minutes(5);

export function createRemediationFunction(
  scope: Construct,
  name: RemediationFunctionName,
  build: FunctionBuilder,
  setup: RemediationFunctionSetup,
): OpsFunction {
  const { config, kubernetes } = setup;
  const { remediation } = config;
  const opsTable = { OPS_TABLE_NAME: setup.opsTableName };
  const notification = {
    NOTIFICATION_TOPIC_ARN: setup.notificationTopic.topicArn,
    ENVIRONMENT_NAME: config.name,
  };
  const limits = { ...opsTable, REMEDIATION_LIMITS: remediationLimitsVariable(remediation) };
  const approvalSecret = approvalSigningSecretName(config);
  const readApprovalKey = (fn: OpsFunction) =>
    grantReadSecret(fn, approvalSecret, 'the one approval signing key secret');

  if (isPlaybook(name)) return createPlaybookFunction(name, build, setup);

  switch (name) {
    case 'resolve-remediation':
      return build({
        environmentSchema: resolveRemediationHandlerEnvironment,
        // CLUSTER_NAME only names the target's lease; the plan is computed from the alert's labels.
        reaches: [],
        environment: {
          CLUSTER_NAME: config.clusterName,
          REMEDIATION_ROUTING: remediationRoutingVariable(remediation),
        },
        timeout: TABLE_STEP,
        description: "remediate: the alert's route, target and playbook chain",
      });
    case 'acquire-remediation-lease':
    case 'release-remediation-lease': {
      const acquire = name === 'acquire-remediation-lease';
      const fn = build({
        environmentSchema: remediationLeaseHandlerEnvironment,
        reaches: [],
        environment: opsTable,
        timeout: TABLE_STEP,
        description: `remediate: ${acquire ? 'take' : 'give back'} the target's lease`,
      });
      setup.grantOpsTableItems(
        fn,
        ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
        REMEDIATION_ITEMS.leases,
      );
      return fn;
    }
    case 'check-remediation-limits': {
      const fn = build({
        environmentSchema: remediationLimitsHandlerEnvironment,
        reaches: [],
        environment: limits,
        timeout: TABLE_STEP,
        description: "remediate: the playbook's breaker and the hourly rate limits",
      });
      setup.grantOpsTableItems(
        fn,
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        [REMEDIATION_ITEMS.rateCounters, REMEDIATION_ITEMS.breakers],
      );
      return fn;
    }
    case 'record-remediation-step': {
      const fn = build({
        environmentSchema: remediationLimitsHandlerEnvironment,
        reaches: [],
        environment: limits,
        timeout: TABLE_STEP,
        description: "remediate: one decision to the audit trail, an attempt's end to its breaker",
      });
      // A conditional UpdateItem per record (audit-trail.ts), and the breaker's own count.
      setup.grantOpsTableItems(fn, ['dynamodb:UpdateItem'], REMEDIATION_ITEMS.audit);
      setup.grantOpsTableItems(fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], REMEDIATION_ITEMS.breakers);
      return fn;
    }
    case 'silence-alert':
    case 'expire-silence':
      return build({
        environmentSchema: alertmanagerHandlerEnvironment,
        reaches: ['alertmanager-api'],
        environment: { ALERTMANAGER_URL: remediation.alertmanagerUrl },
        timeout: HTTP_STEP,
        description:
          name === 'silence-alert'
            ? 'remediate: silence exactly this alert in Alertmanager while the run works on it'
            : "remediate: expire the run's silence",
      });
    case 'verify-alert-cleared':
      return build({
        environmentSchema: prometheusHandlerEnvironment,
        reaches: ['prometheus-api'],
        environment: { PROMETHEUS_URL: remediation.prometheusUrl },
        timeout: HTTP_STEP,
        description: "remediate: one look at the alert's expression in Prometheus",
      });
    case 'escalate-remediation': {
      const fn = build({
        environmentSchema: escalateRemediationHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: { ...kubernetes, ...notification, ...opsTable },
        timeout: KUBERNETES_STEP,
        description: "remediate: page with the alert, the run's decisions, the target's events and logs",
      });
      grantDescribeCluster(fn, config.clusterName);
      grantPublish(fn, setup.notificationTopic, setup.key);
      setup.grantOpsTableItems(fn, ['dynamodb:Query'], REMEDIATION_ITEMS.audit);
      return fn;
    }
    case 'preflight-remediation': {
      const fn = build({
        environmentSchema: preflightRemediationHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: {
          ...kubernetes,
          REMEDIATION_CHANGE_WINDOWS: JSON.stringify(remediation.changeWindows),
        },
        timeout: KUBERNETES_STEP,
        description:
          'remediate: target, disruption budgets, do-not-disrupt, change window, MinIO quorum, node group',
      });
      grantDescribeCluster(fn, config.clusterName, ['eks:ListNodegroups']);
      grantNodegroups(fn, config.clusterName);
      return fn;
    }
    case 'request-approval': {
      const fn = build({
        environmentSchema: requestApprovalHandlerEnvironment,
        reaches: [],
        environment: {
          ...notification,
          ...opsTable,
          APPROVAL_SIGNING_SECRET_ID: approvalSecret,
          APPROVAL_URL: approvalUrlOf(scope),
        },
        timeout: HTTP_STEP,
        description: 'remediate: store the pending approval and send the signed approve/reject links',
      });
      setup.grantOpsTableItems(fn, ['dynamodb:PutItem', 'dynamodb:DeleteItem'], REMEDIATION_ITEMS.approvals);
      grantPublish(fn, setup.notificationTopic, setup.key);
      readApprovalKey(fn);
      return fn;
    }
    case 'approve-remediation': {
      const fn = build({
        environmentSchema: approveRemediationHandlerEnvironment,
        reaches: [],
        environment: {
          ...opsTable,
          APPROVAL_SIGNING_SECRET_ID: approvalSecret,
          ENVIRONMENT_NAME: config.name,
        },
        timeout: HTTP_STEP,
        description: 'remediate: the approve/reject links (HMAC-signed) answer the waiting execution',
      });
      // Anyone holding a link may open it (an approver's browser has no AWS credentials): the link's
      // HMAC signature over approval, decision and expiry is the authorisation, checked by the handler.
      fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
      setup.grantOpsTableItems(fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], REMEDIATION_ITEMS.approvals);
      readApprovalKey(fn);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: (setup.approvingWorkflows ?? APPROVING_WORKFLOWS).map((workflow) =>
            stateMachineArn(fn, config, workflow),
          ),
        }),
      );
      return fn;
    }
    case 'alert-ingress':
    case 'alert-ingress-sns': {
      const webhook = name === 'alert-ingress';
      const ingress = { ...opsTable, ALERT_EVENT_BUS_NAME: alertEventBusName(config) };
      const fn = webhook
        ? build({
            environmentSchema: alertIngressHandlerEnvironment,
            reaches: [],
            environment: { ...ingress, ALERT_WEBHOOK_SECRET_ID: alertWebhookSecretName(config) },
            timeout: HTTP_STEP,
            // More memory is more CPU: a 1 MiB group is parsed and split within Alertmanager's patience.
            memorySize: 512,
            description: "Alertmanager's webhook: authenticate, split, deduplicate, publish to the alert bus",
          })
        : build({
            environmentSchema: alertIngressSnsHandlerEnvironment,
            reaches: [],
            environment: ingress,
            timeout: HTTP_STEP,
            description: 'Amazon Managed Prometheus alerts (SNS): deduplicate, publish to the alert bus',
          });
      if (webhook) {
        // Alertmanager holds no AWS credentials to sign with (auth type AWS_IAM): the handler checks
        // the bearer token or basic credentials of the webhook secret on every request instead.
        fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
        grantReadSecret(fn, alertWebhookSecretName(config), 'the one alert webhook secret');
      }
      setup.grantOpsTableItems(fn, ['dynamodb:PutItem', 'dynamodb:DeleteItem'], REMEDIATION_ITEMS.alertDedup);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [
            Stack.of(fn).formatArn({
              service: 'events',
              resource: 'event-bus',
              resourceName: alertEventBusName(config),
            }),
          ],
        }),
      );
      return fn;
    }
  }
}

function isPlaybook(name: string): name is PlaybookName {
  return (PLAYBOOK_NAMES as readonly string[]).includes(name);
}

function createPlaybookFunction(
  name: PlaybookName,
  build: FunctionBuilder,
  setup: RemediationFunctionSetup,
): OpsFunction {
  const { config } = setup;
  const fn = build({
    environmentSchema: kubernetesHandlerEnvironment,
    reaches: ['kubernetes-api'],
    environment: setup.kubernetes,
    timeout: name === 'cordon-drain-node' ? DRAIN_STEP : KUBERNETES_STEP,
    description: `remediate playbook: ${name}`,
  });
  if (name === 'scale-node-group') {
    // The node group behind the pending pod's pool, raised through the EKS API (not Kubernetes).
    grantDescribeCluster(fn, config.clusterName, ['eks:ListNodegroups']);
    grantNodegroups(fn, config.clusterName, ['eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig']);
  } else {
    grantDescribeCluster(fn, config.clusterName);
  }
  return fn;
}

/**
 * The remediate state machine's ARN, from its fixed name. Not the state machine's own attribute:
 * the state machine invokes request-approval, whose APPROVAL_URL is approve-remediation's Function
 * URL, so a reference from approve-remediation's policy back to the state machine would be a cycle.
 */
/**
 * The workflows whose approval links approve-remediation answers: every workflow that invokes the
 * shared request-approval (remediate's playbooks, cost-optimise's changes, a forced or production
 * dr-failover). A workflow missing here would wait for its approval until it timed out.
 */
export const APPROVING_WORKFLOWS = [REMEDIATE_WORKFLOW, COST_OPTIMISE_WORKFLOW, DR_FAILOVER_WORKFLOW];

export function stateMachineArn(scope: Construct, config: EnvironmentConfig, workflow: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName(config.name, workflow),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The Function URL of a handler deployed with one (alert-ingress, approve-remediation). */
export function functionUrlOf(fn: OpsFunction): FunctionUrl {
  const url = fn.node.tryFindChild('FunctionUrl');
  if (!url) throw new Error(`${fn.node.path} has no Function URL`);
  return url as FunctionUrl;
}

/**
 * approve-remediation's URL, where request-approval's links point. Resolved at synthesis, when
 * every function exists, so neither function's creation has to come first.
 */
function approvalUrlOf(scope: Construct): string {
  return Lazy.string({
    produce: () => {
      const approve = scope.node.tryFindChild(functionConstructId('approve-remediation'));
      if (!approve) {
        throw new Error(
          'request-approval links to approve-remediation: deploy both (REMEDIATION_HANDLERS) in the same stack',
        );
      }
      return functionUrlOf(approve as OpsFunction).url;
    },
  });
}
