import * as z from 'zod/mini';
import { alertmanagerHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { alertEventSchema } from './core/remediation/alert-event.ts';
import { createSilence } from './core/remediation/silences.ts';

const eventSchema = z.object({
  alert: alertEventSchema,
  durationSeconds: z.number().check(z.int(), z.positive()),
  executionId: nonEmptyString(),
});

/** remediate: silences exactly this alert in Alertmanager while the run works on it. */
export const handler = createHandler(
  { name: 'silence-alert', environment: alertmanagerHandlerEnvironment, event: eventSchema },
  async ({ alert, durationSeconds, executionId }, { env }) =>
    createSilence(env.ALERTMANAGER_URL, {
      alert,
      durationMinutes: Math.ceil(durationSeconds / 60),
      executionId,
      now: new Date(),
    }),
);
