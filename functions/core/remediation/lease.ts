import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';

/**
 * One remediation per target at a time (`cluster/namespace/Kind/name`, target.ts): two alerts about
 * one pod (crash looping and OOM-killed) must never act on it at once. The lease lasts the run's
 * whole budget (remediation-plan.ts), so only a dead execution's lease expires by itself.
 */
export const REMEDIATION_LOCK_SCOPE = 'remediation';

/** A day: longer than any chain with approvals (the workflow's own timeout). */
const MAX_LEASE_SECONDS = 24 * 3600;

export const remediationLeaseEventSchema = z.object({
  targetKey: nonEmptyString(),
  /** The execution name. */
  owner: nonEmptyString(),
  ttlSeconds: z._default(
    z.number().check(z.int(), z.positive(), z.lte(MAX_LEASE_SECONDS)),
    MAX_LEASE_SECONDS,
  ),
});
