import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ResourceNotFoundException as EksResourceNotFound,
  InvalidParameterException,
  ListNodegroupsCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import {
  GetSecretValueCommand,
  ResourceNotFoundException as SecretNotFound,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeGroupConfig } from '../../../local/aws-sim/eks.ts';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';

const REGION = 'eu-west-1';
const TOPIC_ARN = `arn:aws:sns:${REGION}:000000000000:lakehouse-ops-notifications`;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

describe('aws-sim server', () => {
  let sim: AwsSim;
  const scaled: { cluster: string; nodeGroup: string; desiredSize: number }[] = [];
  const clientConfig = () => ({ region: REGION, credentials, endpoint: sim.url });

  beforeAll(async () => {
    sim = await startAwsSim({
      region: REGION,
      clusters: [
        {
          name: 'lakehouse',
          version: '1.31',
          endpoint: 'http://127.0.0.1:6443',
          nodeGroups: [nodeGroup('system', 2), nodeGroup('storage', 4), nodeGroup('compute', 3)],
        },
      ],
      nodeGroupScaler: {
        scale: async (cluster, group, desiredSize) => {
          scaled.push({ cluster, nodeGroup: group.name, desiredSize });
        },
      },
      topicArns: [TOPIC_ARN],
      secrets: [
        { name: 'lakehouse/minio', value: { accessKeyId: 'minio', secretAccessKey: 'minio-secret' } },
      ],
    });
  });
  afterAll(() => sim.stop());

  describe('EKS', () => {
    it('describes an active cluster whose endpoint is the Kubernetes API', async () => {
      const { cluster } = await new EKSClient(clientConfig()).send(
        new DescribeClusterCommand({ name: 'lakehouse' }),
      );
      expect(cluster).toMatchObject({
        name: 'lakehouse',
        status: 'ACTIVE',
        endpoint: 'http://127.0.0.1:6443',
        version: '1.31',
      });
      expect(cluster?.createdAt).toBeInstanceOf(Date);
      const pem = Buffer.from(cluster?.certificateAuthority?.data ?? '', 'base64').toString('utf8');
      expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    });

    it('throws ResourceNotFoundException with status 404 when the cluster does not exist', async () => {
      const call = new EKSClient(clientConfig()).send(new DescribeClusterCommand({ name: 'missing' }));
      await expect(call).rejects.toBeInstanceOf(EksResourceNotFound);
      await expect(call).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
        message: 'No cluster found for name: missing.',
      });
    });

    it('lists node groups page by page when maxResults is smaller than the total', async () => {
      const eks = new EKSClient(clientConfig());
      const first = await eks.send(new ListNodegroupsCommand({ clusterName: 'lakehouse', maxResults: 2 }));
      expect(first.nodegroups).toEqual(['system', 'storage']);
      const second = await eks.send(
        new ListNodegroupsCommand({ clusterName: 'lakehouse', maxResults: 2, nextToken: first.nextToken }),
      );
      expect(second).toMatchObject({ nodegroups: ['compute'] });
      expect(second.nextToken).toBeUndefined();
    });

    it('describes a node group with its scaling, instance types, capacity type, labels and health', async () => {
      const eks = new EKSClient(clientConfig());
      sim.eks.setHealthIssues('lakehouse', 'compute', [
        { code: 'AsgInstanceLaunchFailures', message: 'spot capacity not available' },
      ]);
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'lakehouse', nodegroupName: 'compute' }),
      );
      expect(nodegroup).toMatchObject({
        nodegroupName: 'compute',
        status: 'DEGRADED',
        capacityType: 'SPOT',
        instanceTypes: ['m5.xlarge'],
        scalingConfig: { minSize: 1, maxSize: 6, desiredSize: 3 },
        labels: { pool: 'compute' },
        health: { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'spot capacity not available' }] },
      });
      sim.eks.setHealthIssues('lakehouse', 'compute', []);
      const healthy = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'lakehouse', nodegroupName: 'compute' }),
      );
      expect(healthy.nodegroup?.status).toBe('ACTIVE');
    });

    it('changes the desired size through the scaler and records a successful update', async () => {
      const eks = new EKSClient(clientConfig());
      const { update } = await eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: 'lakehouse',
          nodegroupName: 'storage',
          scalingConfig: { desiredSize: 5 },
        }),
      );
      expect(update).toMatchObject({
        status: 'InProgress',
        type: 'ConfigUpdate',
        params: [{ type: 'DesiredSize', value: '5' }],
      });
      expect(scaled).toContainEqual({ cluster: 'lakehouse', nodeGroup: 'storage', desiredSize: 5 });
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: 'lakehouse', nodegroupName: 'storage' }),
      );
      expect(nodegroup?.scalingConfig?.desiredSize).toBe(5);
      const described = await eks.send(
        new DescribeUpdateCommand({ name: 'lakehouse', nodegroupName: 'storage', updateId: update?.id }),
      );
      expect(described.update?.status).toBe('Successful');
    });

    it('rejects a desired size above the maximum without scaling', async () => {
      const before = scaled.length;
      const call = new EKSClient(clientConfig()).send(
        new UpdateNodegroupConfigCommand({
          clusterName: 'lakehouse',
          nodegroupName: 'system',
          scalingConfig: { desiredSize: 99 },
        }),
      );
      await expect(call).rejects.toBeInstanceOf(InvalidParameterException);
      await expect(call).rejects.toThrow(
        /Desired capacity 99 must be between minimum capacity 1 and maximum capacity 6/,
      );
      expect(scaled).toHaveLength(before);
    });
  });

  describe('SNS', () => {
    it('records a published message and returns its MessageId', async () => {
      const sns = new SNSClient(clientConfig());
      const { MessageId } = await sns.send(
        new PublishCommand({
          TopicArn: TOPIC_ARN,
          Subject: 'Platform UNHEALTHY',
          Message: 'nodes: FAILED & <1 NotReady>',
        }),
      );
      expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(sim.published.at(-1)).toMatchObject({
        topicArn: TOPIC_ARN,
        subject: 'Platform UNHEALTHY',
        message: 'nodes: FAILED & <1 NotReady>',
        messageId: MessageId,
      });
    });

    it('throws NotFoundException when the topic does not exist', async () => {
      const call = new SNSClient(clientConfig()).send(
        new PublishCommand({ TopicArn: `${TOPIC_ARN}-missing`, Message: 'x' }),
      );
      await expect(call).rejects.toBeInstanceOf(NotFoundException);
      await expect(call).rejects.toThrow('Topic does not exist');
    });
  });

  describe('Secrets Manager', () => {
    it('returns a seeded secret by name and by ARN', async () => {
      const secrets = new SecretsManagerClient(clientConfig());
      const byName = await secrets.send(new GetSecretValueCommand({ SecretId: 'lakehouse/minio' }));
      expect(JSON.parse(byName.SecretString ?? '')).toEqual({
        accessKeyId: 'minio',
        secretAccessKey: 'minio-secret',
      });
      expect(byName.CreatedDate).toBeInstanceOf(Date);
      const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
      expect(byArn.Name).toBe('lakehouse/minio');
    });

    it('throws ResourceNotFoundException when the secret does not exist', async () => {
      const call = new SecretsManagerClient(clientConfig()).send(
        new GetSecretValueCommand({ SecretId: 'nope' }),
      );
      await expect(call).rejects.toBeInstanceOf(SecretNotFound);
    });
  });

  it('reaches each service through AWS_ENDPOINT_URL_<SERVICE> without an explicit endpoint', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EKS: sim.url,
      AWS_ENDPOINT_URL_SNS: sim.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sim.url,
    });
    try {
      const config = { region: REGION, credentials };
      await expect(
        new EKSClient(config).send(new DescribeClusterCommand({ name: 'lakehouse' })),
      ).resolves.toBeDefined();
      await expect(
        new SNSClient(config).send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'env' })),
      ).resolves.toBeDefined();
      await expect(
        new SecretsManagerClient(config).send(new GetSecretValueCommand({ SecretId: 'lakehouse/minio' })),
      ).resolves.toBeDefined();
    } finally {
      process.env = saved;
    }
  });
});

function nodeGroup(name: string, desiredSize: number): NodeGroupConfig {
  return {
    name,
    instanceTypes: [name === 'compute' ? 'm5.xlarge' : 't3.large'],
    capacityType: name === 'compute' ? 'SPOT' : 'ON_DEMAND',
    minSize: 1,
    maxSize: 6,
    desiredSize,
    labels: { pool: name },
  };
}
