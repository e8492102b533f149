import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { localDnsNames, type PlatformService } from '../../../../../local/lakehouse/dr-side.ts';
import { AWS_TEST_CREDENTIALS } from '../../../support/lambda.ts';

/**
 * The local lakehouse's platform names (local/lakehouse/dr-side.ts: zone
 * `<env>.lakehouse-ops.internal.`, records prefect-api / prefect-ui / object-store and their drill-
 * twins, CNAMEs to each region's service names) as DR_TRAFFIC describes them.
 */
export const ENVIRONMENT = 'test';
export const DNS = localDnsNames(ENVIRONMENT, 'eu-central-1', 'eu-west-1');
export const SERVICES: readonly PlatformService[] = ['prefectApi', 'prefectUi', 'objectStore'];

/** DR_TRAFFIC of the local zone: the local lakehouse builds it the same way. */
export { drTrafficSettings as localTrafficSettings } from '../../../../../local/lakehouse/dr-side.ts';

export function route53ClientFor(url: string): Route53Client {
  return new Route53Client({
    region: 'us-east-1',
    endpoint: url,
    credentials: AWS_TEST_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** A DR target on loopback whose health the test decides, with a Route 53 health check on it. */
export interface DrTarget {
  healthy: boolean;
  healthCheck(route53: Route53Client): Promise<string>;
  close(): Promise<void>;
}

export async function startDrTarget(): Promise<DrTarget> {
  const target = {
    healthy: false,
    server: createServer((_request, response) => {
      response.statusCode = target.healthy ? 200 : 503;
      response.end();
    }) as Server,
  };
  await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
  const port = (target.server.address() as AddressInfo).port;
  return {
    get healthy() {
      return target.healthy;
    },
    set healthy(value: boolean) {
      target.healthy = value;
    },
    async healthCheck(route53) {
      const created = await route53.send(
        new CreateHealthCheckCommand({
          CallerReference: `dr-target-${port}-${Math.random()}`,
          HealthCheckConfig: {
            Type: 'HTTP',
            IPAddress: '127.0.0.1',
            Port: port,
            ResourcePath: '/api/health',
          },
        }),
      );
      return created.HealthCheck!.Id!;
    },
    close: () => new Promise<void>((resolve) => target.server.close(() => resolve())),
  };
}
