import { backupClient } from './commons/backup-clients.ts';
import { checkVolumeBackupHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { createAwsBackupPort } from './core/volumes/aws-backup.ts';
import { checkVolumeBackups, volumeBackupStatusSchema } from './core/volumes/volume-backup.ts';

/** backup: polls the volume jobs StartVolumeBackup started; the workflow waits while one is RUNNING. */
export const handler = createHandler(
  {
    name: 'check-volume-backup',
    environment: checkVolumeBackupHandlerEnvironment,
    event: volumeBackupStatusSchema,
  },
  async (status, { env }) =>
    checkVolumeBackups(
      { backup: createAwsBackupPort(backupClient()) },
      status,
      env.BACKUP_VOLUME_DEADLINE_MINUTES,
    ),
);
