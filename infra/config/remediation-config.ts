import { z } from 'zod';
import { changeWindowSchema } from '../../functions/core/remediation/change-window.ts';
import {
  PLAYBOOK_NAMES,
  PLAYBOOKS,
  type PlaybookName,
} from '../../functions/core/remediation/playbooks/catalogue.ts';

/**
 * Alert-driven remediation per environment (docs/remediation.md "Routing configuration"): which
 * alert starts which chain of playbooks with which parameters, each playbook's approval tier and
 * mode, the change windows, rate limits and the breaker. Parsed at synth like every setting, so an
 * unknown playbook, a parameter a playbook does not take, or a routed playbook without a tier
 * fails `cdk synth` with the field's path.
 */
export const APPROVAL_TIERS = ['automatic', 'approve-first', 'notify-only'] as const;
export type ApprovalTier = (typeof APPROVAL_TIERS)[number];

const alertName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
  message: 'expected a Prometheus alert name (letters, digits, "_")',
});

const chainStepSchema = z
  .object({
    playbook: z.enum(PLAYBOOK_NAMES),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((step, context) => {
    const parsed = PLAYBOOKS[step.playbook].params.safeParse(step.params);
    for (const issue of parsed.error?.issues ?? []) {
      context.addIssue({
        code: 'custom',
        path: ['params', ...issue.path.map(String)],
        message: issue.message,
      });
    }
  });

const routeSchema = z.object({
  alertname: alertName,
  /** Severities that start the chain; `info` alerts only ever notify. */
  severities: z
    .array(z.enum(['critical', 'warning']))
    .min(1)
    .default(['critical', 'warning']),
  /** Tried in order: when one does not clear the alert, the next runs; after the last, escalate. */
  chain: z.array(chainStepSchema).min(1),
});

const playbookPolicySchema = z.object({
  /** automatic: act; approve-first: wait for an operator (task token); notify-only: never act. */
  tier: z.enum(APPROVAL_TIERS),
  /** dry-run (shadow): record what it would change, change nothing. */
  mode: z.enum(['act', 'dry-run']).default('act'),
});

const changeWindow = z.custom<z.output<typeof changeWindowSchema>>().superRefine((value, context) => {
  for (const issue of changeWindowSchema.safeParse(value).error?.issues ?? []) {
    context.addIssue({ code: 'custom', path: issue.path.map(String), message: issue.message });
  }
});

/**
 * A monitoring API as the remediate functions reach it from the cluster's private subnets: the
 * in-cluster Services behind the Istio ingress gateway's internal load balancer, as MinIO and
 * Prefect are (in-cluster DNS names do not resolve outside the cluster).
 */
const monitoringApiUrl = z.url({ protocol: /^https?$/ });

export const remediationConfigSchema = z
  .object({
    /** Alertmanager's API root (silence-alert, expire-silence): `/api/v2/silences` is below it. */
    alertmanagerUrl: monitoringApiUrl,
    /** Prometheus's API root (verify-alert-cleared): `/api/v1/query` is below it. */
    prometheusUrl: monitoringApiUrl,
    routes: z.array(routeSchema),
    playbooks: z.partialRecord(z.enum(PLAYBOOK_NAMES), playbookPolicySchema),
    /** When disruptive playbooks may act; none configured means never (deny by default). */
    changeWindows: z.array(changeWindow).default([]),
    rateLimits: z
      .object({
        globalPerHour: z.number().int().positive().default(30),
        perPlaybookPerHour: z.number().int().positive().default(10),
        perTargetPerHour: z.number().int().positive().default(3),
      })
      .prefault({}),
    breaker: z
      .object({
        failures: z.number().int().positive().default(3),
        windowMinutes: z.number().int().positive().default(60),
        openMinutes: z.number().int().positive().default(120),
      })
      .prefault({}),
    /** A pending approval expires after this long and the alert is escalated instead. */
    approvalTimeoutMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .default(60),
    verify: z
      .object({
        /** How long the alert's expression may take to clear after an action. */
        timeoutMinutes: z.number().int().positive().max(60).default(10),
        intervalSeconds: z.number().int().min(5).default(30),
      })
      .prefault({}),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.routes.forEach((route, index) => {
      if (seen.has(route.alertname)) {
        context.addIssue({
          code: 'custom',
          path: ['routes', index, 'alertname'],
          message: `${route.alertname} is routed twice: one route per alert`,
        });
      }
      seen.add(route.alertname);
      route.chain.forEach((step, position) => {
        if (!config.playbooks[step.playbook]) {
          context.addIssue({
            code: 'custom',
            path: ['routes', index, 'chain', position, 'playbook'],
            message: `${step.playbook} has no tier in remediation.playbooks: expected one of ${APPROVAL_TIERS.join(', ')}`,
          });
        }
      });
    });
  });

export type RemediationConfig = z.output<typeof remediationConfigSchema>;
export type RemediationConfigInput = z.input<typeof remediationConfigSchema>;

const GiB = 1024 ** 3;

/**
 * The platform's alert -> playbook routes (alert names from cluster-manifests/src/monitoring/rules.ts).
 * Environments share them and differ in tiers, modes and windows.
 */
export const PLATFORM_ROUTES: RemediationConfigInput['routes'] = [
  { alertname: 'PodCrashLooping', chain: [{ playbook: 'delete-pod' }, { playbook: 'rollout-restart' }] },
  { alertname: 'DeploymentReplicasUnavailable', chain: [{ playbook: 'rollout-restart' }] },
  { alertname: 'NodeNotReady', chain: [{ playbook: 'cordon-drain-node' }] },
  {
    alertname: 'PrefectWorkQueueBacklog',
    chain: [{ playbook: 'scale-prefect-workers', params: { step: 1, max: 10 } }],
  },
  {
    alertname: 'ContainerOOMKilled',
    chain: [{ playbook: 'raise-memory-limit', params: { factor: 1.25, maxBytes: 16 * GiB } }],
  },
  { alertname: 'MinioPodNotReady', chain: [{ playbook: 'restart-minio-pod' }] },
  {
    alertname: 'MinioVolumeFilling',
    chain: [{ playbook: 'expand-minio-pvc', params: { factor: 1.5, maxBytes: 4096 * GiB } }],
  },
  { alertname: 'PodsUnschedulable', chain: [{ playbook: 'scale-node-group', params: { step: 1 } }] },
];

/** Every playbook at one tier and mode, with some set otherwise. */
export function playbookPolicies(
  tier: ApprovalTier,
  overrides: Partial<Record<PlaybookName, { tier: ApprovalTier; mode?: 'act' | 'dry-run' }>> = {},
): RemediationConfigInput['playbooks'] {
  return Object.fromEntries(PLAYBOOK_NAMES.map((name) => [name, overrides[name] ?? { tier }]));
}

/** The playbooks that restart, evict or reschedule running work (catalogue.ts `disruptive`). */
export const DISRUPTIVE_PLAYBOOKS = PLAYBOOK_NAMES.filter((name) => PLAYBOOKS[name].disruptive);
