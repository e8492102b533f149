import { resolveRemediationHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  alertRuleEventSchema,
  parseRemediationRouting,
  planRemediation,
} from './core/remediation/remediation-plan.ts';

/** remediate, first step: the alert's route, target and playbook chain, or why nothing acts on it. */
export const handler = createHandler(
  {
    name: 'resolve-remediation',
    environment: resolveRemediationHandlerEnvironment,
    event: alertRuleEventSchema,
  },
  async (event, { env, logger }) => {
    const plan = planRemediation(event, parseRemediationRouting(env.REMEDIATION_ROUTING), env.CLUSTER_NAME);
    logger.info('remediation planned', { status: plan.status, alertname: plan.alert.alertname });
    return plan;
  },
);
