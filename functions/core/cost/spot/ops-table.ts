import { dynamoDbClient } from '../../../commons/backup-clients.ts';

/**
 * The ops table as the spot handlers' leases and audit records use it. Apart from wiring.ts so
 * that those handlers bundle no EKS or Kubernetes client.
 */
export function spotOpsTable(env: { readonly OPS_TABLE_NAME: string }) {
  return { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME };
}
