import * as z from 'zod/mini';
import { dynamoDbClient, s3ClientIn } from './commons/backup-clients.ts';
import { planRightsizingHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { planRequestSchema, planRightsizing } from './core/cost/apply/plan.ts';
import { parseApplySettings } from './core/cost/apply/settings.ts';
import { loadRecommendations, storedListSchema } from './core/cost/rightsizing/result-store.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';

/** The plan request with the recommendations where the recommend step stored them. */
const storedPlanRequestSchema = z.extend(planRequestSchema, { recommendations: storedListSchema });

/**
 * cost-optimise: the recommendations through the guardrails (mode, weekly cap, p99 floor, stateful
 * tier, GitOps) into changes to patch, patch files for the repository, and skips with reasons.
 */
export const handler = createHandler(
  {
    name: 'plan-rightsizing',
    environment: planRightsizingHandlerEnvironment,
    event: storedPlanRequestSchema,
  },
  async ({ recommendations, ...request }, { env }) =>
    planRightsizing(
      {
        kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
        history: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        layout: parsePlatformLayout(env.PLATFORM_LAYOUT),
        settings: parseApplySettings(env.RIGHTSIZING_APPLY),
        environment: env.ENVIRONMENT_NAME,
        now: new Date(),
      },
      // The recommend step stored them in the report bucket (too many for a state's 256 KB).
      { ...request, recommendations: await loadRecommendations(s3ClientIn(), recommendations) },
    ),
);
