import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';
import { PROVISION_COMPONENTS } from './components.ts';

export const PROVISION_ENVIRONMENTS = ['development', 'staging', 'production'] as const;

/**
 * The provision workflow input, typed by operators in the console: unknown keys are refused, so a
 * misspelt `dryrun` fails instead of applying for real.
 */
export const provisionRequestSchema = z.strictObject({
  /** Must be the environment this deployment of lakehouse-ops manages (a guard against the wrong account). */
  environment: z.enum(PROVISION_ENVIRONMENTS),
  components: z._default(
    z.array(z.enum([...PROVISION_COMPONENTS, 'all'])).check(z.minLength(1, 'name at least one component')),
    ['all'],
  ),
  /** Server-side dry run: report what would change (per object), apply and create nothing. */
  dryRun: z._default(z.boolean(), false),
  requestedBy: z._default(nonEmptyString(), 'console'),
});
export type ProvisionRequestInput = z.input<typeof provisionRequestSchema>;
export type ProvisionRequest = z.output<typeof provisionRequestSchema>;
