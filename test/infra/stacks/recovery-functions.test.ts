import { describe, expect, it } from 'vitest';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { VPC_NETWORK_INTERFACE_ACTIONS } from '../../../infra/constructs/ops-function.ts';
import { pascalCase } from '../../../infra/naming.ts';
import {
  isRecoveryFunctionName,
  type RecoveryFunctionName,
} from '../../../infra/stacks/recovery-functions.ts';
import { RESTORE_HANDLERS } from '../../../workflows/restore.workflow.ts';
import { VERIFY_BACKUP_HANDLERS } from '../../../workflows/verify-backup.workflow.ts';
import {
  asList,
  type PolicyStatement,
  policyStatements,
  resourcesOfType,
  synthesizeBeforeAll,
} from '../template-helpers.ts';

const ENVIRONMENT = 'production';
const config = loadEnvironmentConfig(ENVIRONMENT);
const synthesized = synthesizeBeforeAll(ENVIRONMENT);

const RECOVERY_FUNCTIONS = [...VERIFY_BACKUP_HANDLERS, ...RESTORE_HANDLERS].filter(isRecoveryFunctionName);
const READS_MINIO: RecoveryFunctionName[] = ['plan-restore', 'restore-objects'];
const RESTORES_POSTGRES: RecoveryFunctionName[] = ['verify-postgres-dump', 'restore-postgres-dump'];
const AUDITS: Partial<Record<RecoveryFunctionName, string>> = {
  'record-backup-verdict': 'AUDIT#verify-backup#*',
  'record-restore-audit': 'AUDIT#restore#*',
};

function statementsOf(name: RecoveryFunctionName): PolicyStatement[] {
  const statements = policyStatements(synthesized().template, `${pascalCase(name)}Function`);
  expect(statements.length, name).toBeGreaterThan(0);
  return statements;
}

function actionsOf(name: RecoveryFunctionName): string[] {
  return statementsOf(name).flatMap((statement) => asList(statement.Action));
}

/** The key prefixes of the backup bucket a statement names, e.g. ["manifests/", "data/"]. */
function backupPrefixes(statement: PolicyStatement): string[] {
  return asList(statement.Resource).flatMap((resource) => {
    const match = JSON.stringify(resource).match(/-backup-.*\/([a-z]+\/)\*"/);
    return match ? [match[1]!] : [];
  });
}

function prefixesFor(name: RecoveryFunctionName, action: string): string[] {
  return statementsOf(name)
    .filter((statement) => asList(statement.Action).includes(action))
    .flatMap(backupPrefixes)
    .sort();
}

describe('createRecoveryFunction', () => {
  it('deploys every verify-backup and restore handler except the shared notify', () => {
    expect(RECOVERY_FUNCTIONS).toHaveLength(VERIFY_BACKUP_HANDLERS.length - 1 + RESTORE_HANDLERS.length);
    const modules = Object.values(resourcesOfType(synthesized().template, 'AWS::Lambda::Function')).map(
      (fn) => fn.Metadata?.['lakehouse-ops:handler'],
    );
    for (const name of RECOVERY_FUNCTIONS) expect(modules).toContain(`functions/${name}.handler.ts`);
  });

  it.each(RECOVERY_FUNCTIONS)('never lets %s write or delete in the backup bucket', (name) => {
    const actions = actionsOf(name);
    for (const forbidden of ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']) {
      expect(actions).not.toContain(forbidden);
    }
    const backupKeyUses = statementsOf(name).filter((statement) =>
      JSON.stringify(statement.Condition ?? {}).includes('kms:ViaService'),
    );
    for (const statement of backupKeyUses) expect(statement.Action).toBe('kms:Decrypt');
  });

  it('lets the verify-backup readers read only manifests and data, decrypting through S3', () => {
    expect(prefixesFor('load-verification-plan', 's3:GetObject')).toEqual(['manifests/']);
    expect(prefixesFor('verify-backup-sample', 's3:GetObject')).toEqual(['data/', 'manifests/']);
    const listings = (name: RecoveryFunctionName) =>
      statementsOf(name).filter((statement) => asList(statement.Action).includes('s3:ListBucket'));
    expect(listings('load-verification-plan')).toEqual([
      expect.objectContaining({ Condition: { StringLike: { 's3:prefix': ['manifests/*'] } } }),
    ]);
    // A missing copy must be a 404 (a FAILED verdict), not a 403: see backup-bucket-access.test.ts.
    expect(listings('verify-backup-sample')).toEqual([
      expect.not.objectContaining({ Condition: expect.anything() }),
    ]);
    for (const name of ['load-verification-plan', 'verify-backup-sample'] as const) {
      const decrypt = statementsOf(name).find((statement) =>
        asList(statement.Action).includes('kms:Decrypt'),
      );
      expect(decrypt?.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/lakehouse-ops-${ENVIRONMENT}-backup` },
        StringEquals: { 'kms:ViaService': `s3.${config.drRegion}.amazonaws.com` },
      });
    }
  });

  it.each(RESTORES_POSTGRES)(
    'gives %s DescribeCluster on the one cluster and the postgres/ dumps',
    (name) => {
      const eks = statementsOf(name).filter((statement) =>
        asList(statement.Action).some((action) => action.startsWith('eks:')),
      );
      expect(eks.flatMap((statement) => asList(statement.Action))).toEqual(['eks:DescribeCluster']);
      expect(JSON.stringify(eks[0]?.Resource)).toMatch(new RegExp(`:cluster/${config.clusterName}"`));
      expect(prefixesFor(name, 's3:GetObject')).toEqual(['postgres/']);
      expect(actionsOf(name)).not.toContain('secretsmanager:GetSecretValue');
    },
  );

  it.each(READS_MINIO)('gives %s the MinIO secret and reads of the backup run it restores', (name) => {
    const secrets = statementsOf(name).filter((statement) =>
      asList(statement.Action).includes('secretsmanager:GetSecretValue'),
    );
    expect(secrets).toHaveLength(1);
    expect(JSON.stringify(secrets[0]?.Resource)).toContain(
      `secret:${config.minio.credentialsSecretName}-??????`,
    );
    expect(prefixesFor(name, 's3:GetObject')).toEqual(
      name === 'plan-restore' ? ['manifests/'] : ['data/', 'manifests/'],
    );
    expect(actionsOf(name).some((action) => action.startsWith('eks:'))).toBe(false);
  });

  it.each(Object.entries(AUDITS))('lets %s only write its own workflow audit items', (name, leadingKeys) => {
    const dynamo = statementsOf(name as RecoveryFunctionName).filter((statement) =>
      asList(statement.Action).some((action) => action.startsWith('dynamodb:')),
    );
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OpsTable/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [leadingKeys] } },
      }),
    ]);
    expect(actionsOf(name as RecoveryFunctionName).some((action) => action.startsWith('s3:'))).toBe(false);
  });

  it.each(RECOVERY_FUNCTIONS)('names %s resources with "*" only where the reason is documented', (name) => {
    for (const statement of statementsOf(name)) {
      for (const resource of asList(statement.Resource)) {
        const text = JSON.stringify(resource);
        if (!text.includes('*')) continue;
        if (resource === '*') {
          // X-Ray, and for a function in the cluster VPC the network interfaces Lambda manages.
          const resourceless: readonly string[] = VPC_NETWORK_INTERFACE_ACTIONS;
          for (const action of asList(statement.Action)) {
            if (!resourceless.includes(action)) expect(action).toMatch(/^xray:/);
          }
          continue;
        }
        // A prefix of the backup bucket, the backup key by alias, or the secret's random suffix.
        const documented = /-backup-.*\/(manifests|data|postgres)\/\*"|:key\/\*"|-\?\?\?\?\?\?"/;
        expect(text).toMatch(documented);
        if (text.includes(':key/*')) expect(statement.Condition).toHaveProperty('StringEquals');
      }
    }
  });
});
