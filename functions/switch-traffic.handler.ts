import * as z from 'zod/mini';
import { route53Client } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { switchTrafficHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { FAILOVER_MODES, failoverIdSchema } from './core/dr/failover/request.ts';
import { route53TrafficDns } from './core/dr/traffic/route53-dns.ts';
import { parseTrafficSettings, SWITCH_DIRECTIONS } from './core/dr/traffic/settings.ts';
import { switchTraffic } from './core/dr/traffic/switch-traffic.ts';

const eventSchema = z.object({
  failoverId: failoverIdSchema,
  direction: z.enum(SWITCH_DIRECTIONS),
  mode: z.enum(FAILOVER_MODES),
});

/**
 * dr-failover / dr-failback: points the platform records (the drill records in a drill) at the DR
 * or the primary targets. Retry on DnsTargetNotYetHealthyError and DnsChangeNotInSyncError: each
 * call looks once, and a re-run never moves anything twice.
 */
export const handler = createHandler(
  { name: 'switch-traffic', environment: switchTrafficHandlerEnvironment, event: eventSchema },
  async (request, { env, logger }) => {
    const outcome = await switchTraffic(
      {
        dns: route53TrafficDns(route53Client()),
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        settings: parseTrafficSettings(env.DR_TRAFFIC),
      },
      { ...request, environment: env.ENVIRONMENT_NAME },
    );
    logger.info('traffic switched', { ...request, ...outcome });
    return outcome;
  },
);
