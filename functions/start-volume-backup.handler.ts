import * as z from 'zod/mini';
import { backupClient } from './commons/backup-clients.ts';
import { volumeBackupHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { parseCommaList } from './core/backup-workflow/request.ts';
import { createAwsBackupPort } from './core/volumes/aws-backup.ts';
import { startVolumeBackups } from './core/volumes/volume-backup.ts';

const eventSchema = z.object({ runId: z.string().check(z.minLength(1)), dryRun: z.boolean() });

/** backup: one AWS Backup job per EBS volume behind the MinIO and PostgreSQL claims. */
export const handler = createHandler(
  { name: 'start-volume-backup', environment: volumeBackupHandlerEnvironment, event: eventSchema },
  async (request, { env, context }) => {
    // arn:<partition>:lambda:<region>:<account>:function:<name>: the volumes are this account's and region's.
    const [, partition = 'aws', , region = '', account = ''] = context.invokedFunctionArn.split(':');
    return startVolumeBackups(
      { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), backup: createAwsBackupPort(backupClient()) },
      {
        vault: env.BACKUP_VAULT_NAME,
        role: env.BACKUP_ROLE_ARN,
        namespaces: parseCommaList(env.BACKUP_VOLUME_NAMESPACES, 'namespace list'),
        retentionDays: env.BACKUP_VOLUME_RETENTION_DAYS,
        location: { partition, region, account },
      },
      request,
    );
  },
);
