import * as z from 'zod/mini';
import { alertmanagerHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { expireSilence } from './core/remediation/silences.ts';

const eventSchema = z.object({ silenceId: nonEmptyString() });

/** remediate: ends the run's silence, whatever the outcome (an escalation must page). */
export const handler = createHandler(
  { name: 'expire-silence', environment: alertmanagerHandlerEnvironment, event: eventSchema },
  async ({ silenceId }, { env }) => expireSilence(env.ALERTMANAGER_URL, silenceId),
);
