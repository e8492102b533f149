import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/** The recommend-rightsizing step's input (the cost-optimise workflow passes its own). */
export const rightsizingRequestSchema = z.object({
  /** Days of usage history to read (Prometheus must retain them). */
  historyDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(90)), 14),
  /** Only these namespaces; all when absent or empty. */
  namespaces: z._default(z.array(nonEmptyString()), []),
  /** Names the stored output (the execution's name); the generation time when absent. */
  runId: z.optional(
    nonEmptyString().check(z.regex(/^[\w.-]+$/, 'expected letters, digits, ".", "_" or "-"')),
  ),
});
export type RightsizingRequestEvent = z.output<typeof rightsizingRequestSchema>;
