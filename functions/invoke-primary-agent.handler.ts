import * as z from 'zod/mini';
import { lambdaClientIn } from './commons/aws-clients.ts';
import { invokePrimaryAgentHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  invokePrimaryAgent,
  PRIMARY_AGENTS,
  type PrimaryAgent,
  PrimaryRegionUnreachableError,
} from './core/dr/primary-agent/invoke-agent.ts';

const eventSchema = z.object({
  agent: z.enum(PRIMARY_AGENTS),
  /** The agent's own event, passed as is. */
  payload: z.unknown(),
  /**
   * What to answer instead of failing when the primary region does not answer, with `detail`
   * saying why: the fence's `unreachable` step result, so a lost region is a primary that does not
   * answer (docs/dr.md, "If it answers"). Without it, PrimaryRegionUnreachableError.
   */
  whenUnreachable: z.optional(z.record(z.string(), z.unknown())),
  /**
   * How long to wait for the agent, when the caller's task has less time than this function: a
   * fence step's budget is seconds, and the answer must come before Step Functions gives up.
   */
  timeoutSeconds: z.optional(z.number().check(z.positive())),
});

/** Time kept back from the Lambda timeout: this function's own error must reach the workflow first. */
const MARGIN_MS = 5_000;

/**
 * The DR workflows' way to the primary region (docs/dr.md, "Where the failover runs"): invokes
 * fence-primary, lift-fence or resync-from-replica there and answers with the agent's result, or
 * fails with the agent's own error name; PrimaryRegionUnreachableError when the region does not
 * answer within this function's time.
 */
export const handler = createHandler(
  { name: 'invoke-primary-agent', environment: invokePrimaryAgentHandlerEnvironment, event: eventSchema },
  async ({ agent, payload, whenUnreachable, timeoutSeconds }, { env, logger, context }) => {
    const ownTimeMs = context.getRemainingTimeInMillis() - MARGIN_MS;
    const timeoutMs = Math.max(
      1_000,
      Math.min(ownTimeMs, (timeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000),
    );
    try {
      const result = await invokePrimaryAgent(agent, payload, {
        lambda: lambdaClientIn(env.PRIMARY_REGION),
        primaryRegion: env.PRIMARY_REGION,
        functionNameOf: (name: PrimaryAgent) => `${env.PRIMARY_AGENT_FUNCTION_PREFIX}${name}`,
        timeoutMs,
      });
      logger.info('primary agent answered', { agent });
      return result;
    } catch (error) {
      if (!(error instanceof PrimaryRegionUnreachableError) || !whenUnreachable) throw error;
      logger.warn('primary region unreachable: answering with the stand-in result', {
        agent,
        error: error.message,
      });
      return { ...whenUnreachable, detail: error.message };
    }
  },
);
