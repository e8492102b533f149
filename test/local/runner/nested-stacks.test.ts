import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, NestedStack, Stack } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { foldNestedStacks } from '../../../local/runner/nested-stacks.ts';
import type { CfnTemplate } from '../../../local/runner/template.ts';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A parent with a table; a nested stack whose queue is named after it; the parent reads the queue back. */
function synthesize() {
  const outdir = mkdtempSync(join(tmpdir(), 'nested-stacks-'));
  directories.push(outdir);
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const parent = new Stack(app, 'Parent');
  const table = new Table(parent, 'Table', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  const nested = new NestedStack(parent, 'Cost');
  const queue = new Queue(nested, 'Queue', { queueName: `${table.tableName}-queue` });
  new Queue(parent, 'Mirror', { queueName: `${queue.queueName}-mirror` });
  new CfnOutput(parent, 'QueueArn', { value: queue.queueArn });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(parent.artifactId).template as CfnTemplate;
  return { template, directory: assembly.directory, parent, table };
}

function resourceOfType(template: CfnTemplate, type: string, name: string) {
  const found = Object.entries(template.Resources).find(
    ([id, resource]) => resource.Type === type && id.includes(name),
  );
  if (!found) throw new Error(`no ${type} ${name}`);
  return found;
}

describe('foldNestedStacks', () => {
  it("puts the parent's values in place of the nested template's parameters and drops the stack resource", () => {
    const { template, directory, parent, table } = synthesize();
    const folded = foldNestedStacks(template, directory, parent.artifactId);

    expect(Object.values(folded.Resources).map((resource) => resource.Type)).not.toContain(
      'AWS::CloudFormation::Stack',
    );
    const [, queue] = resourceOfType(folded, 'AWS::SQS::Queue', 'Queue');
    expect(queue.Properties?.QueueName).toEqual({
      'Fn::Join': [
        '',
        [
          { Ref: parent.resolve((table.node.defaultChild as unknown as { logicalId: string }).logicalId) },
          '-queue',
        ],
      ],
    });
  });

  it("replaces the parent's reads of nested outputs with the output's value", () => {
    const { template, directory, parent } = synthesize();
    const folded = foldNestedStacks(template, directory, parent.artifactId);
    const [queueId] = resourceOfType(folded, 'AWS::SQS::Queue', 'Queue');
    const [, mirror] = resourceOfType(folded, 'AWS::SQS::Queue', 'Mirror');
    expect(JSON.stringify(mirror.Properties?.QueueName)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [queueId, 'QueueName'] }),
    );
  });

  it('keeps a nested resource apart from a parent resource with the same logical id', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'nested-stacks-'));
    directories.push(outdir);
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const parent = new Stack(app, 'Parent');
    new Queue(parent, 'Same');
    const nested = new NestedStack(parent, 'Child');
    const queue = new Queue(nested, 'Same');
    new Queue(nested, 'Follower', { queueName: `${queue.queueName}-follower` });
    const assembly = app.synth();
    const parentTemplate = assembly.getStackArtifact(parent.artifactId).template as CfnTemplate;
    const folded = foldNestedStacks(parentTemplate, assembly.directory, parent.artifactId);

    const queues = Object.entries(folded.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::SQS::Queue',
    );
    expect(queues).toHaveLength(3);
    const [parentId] = Object.keys(parentTemplate.Resources).filter((id) => id.startsWith('Same'));
    const [nestedId] = queues.find(([id]) => id !== parentId && id.includes('Same')) ?? [];
    expect(nestedId).toBeDefined();
    const [, follower] = resourceOfType(folded, 'AWS::SQS::Queue', 'Follower');
    expect(JSON.stringify(follower.Properties?.QueueName)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [nestedId, 'QueueName'] }),
    );
  });

  it('returns a template without nested stacks as it is', () => {
    const app = new App();
    const stack = new Stack(app, 'Plain');
    new Queue(stack, 'Queue');
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;
    expect(foldNestedStacks(template, assembly.directory, stack.artifactId)).toBe(template);
  });
});
