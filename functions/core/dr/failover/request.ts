import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * What a dr-failover execution is asked to do (docs/dr.md): `real` moves production traffic,
 * `drill` switches a drill record name instead; `force` lets the failover past failed gates, and
 * then only with a person's approval.
 */
export const DR_FAILOVER_WORKFLOW = 'dr-failover';

export const FAILOVER_MODES = ['real', 'drill'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

/** A key segment of the ops table: `#` separates the segments. */
export const keySegment = () => nonEmptyString().check(z.regex(/^[^#]+$/, 'must not contain "#"'));

export const failoverRequestSchema = z.object({
  mode: z.enum(FAILOVER_MODES),
  reason: nonEmptyString(),
  force: z._default(z.boolean(), false),
  requestedBy: nonEmptyString(),
});
export type FailoverRequest = z.output<typeof failoverRequestSchema>;

/** `<yyyymmddThhmmssZ>-<6 hex>`: sorts by time and stays unique within a second. */
export const failoverIdSchema = z
  .string()
  .check(z.regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/, 'expected a failover id like "20260301T020000Z-a1b2c3"'));
