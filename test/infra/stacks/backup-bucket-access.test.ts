import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { pascalCase } from '../../../infra/naming.ts';
import { asList, type PolicyStatement, policyStatements, synthesizeBeforeAll } from '../template-helpers.ts';

/**
 * S3 answers a GET or HEAD of a missing key with 403 AccessDenied, not 404, to a caller that may
 * not list the bucket. s3rver has no IAM, so no local test of these steps can see that: this file
 * pins the grants their code relies on instead.
 */
const synthesized = synthesizeBeforeAll('production');

/** Steps whose code treats a missing backup-bucket key as an answer (isNotFound / objectExists). */
const CHECKS_EXISTENCE = {
  ops: [
    'plan-backup', // unfinished runs' files, read as empty when missing
    'copy-backup-batch', // the batch's started marker and each object's copy
    'finalize-backup-manifest', // the run's plan and results files
    'dump-postgres', // the dump's sidecar
    'verify-backup-sample', // a copy missing from the backup is a FAILED verdict, not an error
    'verify-postgres-dump',
    'plan-restore',
    'restore-objects',
    'restore-postgres-dump',
  ],
  dr: ['restore-dr-database'], // the newest dump that has its sidecar
} as const;

function statementsOf(template: Template, name: string): PolicyStatement[] {
  const statements = policyStatements(template, `${pascalCase(name)}Function`);
  expect(statements.length, name).toBeGreaterThan(0);
  return statements;
}

const isBackupBucketArn = (resource: unknown) => /-backup-[^/]*"\]\]\}$/.test(JSON.stringify(resource));

describe('backup bucket access', () => {
  it.each([
    ...CHECKS_EXISTENCE.ops.map((name) => ['ops', name] as const),
    ...CHECKS_EXISTENCE.dr.map((name) => ['dr', name] as const),
  ])("lets the %s stack's %s list the whole backup bucket, so a missing key is a 404", (stack, name) => {
    const template = stack === 'ops' ? synthesized().template : synthesized().drTemplate;
    const unconditionalListings = statementsOf(template, name).filter(
      (statement) =>
        asList(statement.Action).includes('s3:ListBucket') &&
        statement.Condition === undefined &&
        asList(statement.Resource).some(isBackupBucketArn),
    );
    expect(unconditionalListings, name).toHaveLength(1);
  });

  it('lets plan-backup commit a manifest when nothing changed, as finalize does', () => {
    const statements = statementsOf(synthesized().template, 'plan-backup');
    const grantedOn = (action: string) =>
      statements
        .filter((statement) => asList(statement.Action).includes(action))
        .flatMap((statement) => asList(statement.Resource))
        .map((resource) => JSON.stringify(resource).match(/-backup-[^/]*\/([a-z]+\/)\*"/)?.[1])
        .filter((prefix) => prefix !== undefined)
        .sort();
    expect(grantedOn('s3:PutObject')).toEqual(['manifests/', 'runs/']);
    expect(grantedOn('s3:DeleteObject')).toEqual(['runs/']);
    expect(grantedOn('s3:AbortMultipartUpload')).toEqual(['runs/']);
    expect(grantedOn('s3:DeleteObject')).not.toContain('manifests/');
  });
});
