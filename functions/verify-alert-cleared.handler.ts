import * as z from 'zod/mini';
import { prometheusHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { alertEventSchema } from './core/remediation/alert-event.ts';
import { checkAlertCleared } from './core/remediation/verify.ts';

const count = () => z.number().check(z.int(), z.nonnegative());
const eventSchema = z.object({
  alert: alertEventSchema,
  /** Looks taken so far; after `maxPolls` a still-firing alert means the action did not fix it. */
  poll: count(),
  maxPolls: count(),
});

/** remediate: one look at the alert's expression in Prometheus; the workflow polls up to maxPolls times. */
export const handler = createHandler(
  { name: 'verify-alert-cleared', environment: prometheusHandlerEnvironment, event: eventSchema },
  async ({ alert, poll, maxPolls }, { env }) => {
    const check = await checkAlertCleared(env.PROMETHEUS_URL, alert, new Date());
    return { ...check, poll: poll + 1, exhausted: !check.cleared && poll + 1 >= maxPolls };
  },
);
