import * as z from 'zod/mini';
import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { offHoursPlanSchema } from './core/cost/off-hours/plan.ts';
import { saveSleepSnapshot } from './core/cost/off-hours/snapshot-steps.ts';
import { opsTable } from './core/cost/off-hours/wiring.ts';

const eventSchema = z.object({ plan: offHoursPlanSchema, executionId: nonEmptyString() });

/** off-hours sleep: saves the counts it is about to change (never over a newer snapshot), before any change. */
export const handler = createHandler(
  { name: 'save-off-hours-snapshot', environment: auditHandlerEnvironment, event: eventSchema },
  async ({ plan, executionId }, { env }) =>
    saveSleepSnapshot(plan, executionId, { snapshots: opsTable(env), audit: opsTable(env) }),
);
