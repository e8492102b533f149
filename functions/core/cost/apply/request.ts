import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * The cost-optimise workflow's input, from the weekly schedule or an operator. Whether anything is
 * applied is the environment's setting (RIGHTSIZING_APPLY `mode`); `dryRun` can only make a run
 * safer than that, never bolder.
 */
export const COST_OPTIMISE_WORKFLOW = 'cost-optimise';

export const costOptimiseRequestSchema = z.object({
  /** Who started it: `schedule`, or the operator's name (recorded in the audit trail). */
  requestedBy: nonEmptyString(),
  /** Show the patches (server-side dry run) and apply nothing, whatever the environment's mode. */
  dryRun: z._default(z.boolean(), false),
  /** Days of usage history to recommend from; the recommender's default (14) when absent. */
  historyDays: z.optional(z.number().check(z.int(), z.positive(), z.lte(90))),
  /** Only these namespaces; all when empty. */
  namespaces: z._default(z.array(nonEmptyString()), []),
});
export type CostOptimiseRequest = z.input<typeof costOptimiseRequestSchema>;
