import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { publishNotification, toSnsSubject } from '../../../../functions/core/notification/notify.ts';
import { rejectionOf } from '../../support/rejection.ts';

const snsMock = mockClient(SNSClient);
const target = () => ({
  sns: new SNSClient({ region: 'eu-west-1' }),
  topicArn: 'arn:aws:sns:eu-west-1:123456789012:lakehouse-ops',
  environment: 'production',
});
const report = {
  workflow: 'validate-platform',
  status: 'UNHEALTHY',
  checks: [
    { name: 'nodes', status: 'PASSED', detail: 'all 3 nodes Ready', durationMs: 4, observations: {} },
    {
      name: 'minio-statefulset',
      status: 'FAILED',
      detail: 'minio-3: pod does not exist',
      durationMs: 9,
      observations: {},
    },
    {
      name: 'monitoring',
      status: 'ERROR',
      detail: 'KubernetesApiError: 403',
      durationMs: 0,
      observations: {},
    },
  ],
};

describe('publishNotification', () => {
  beforeEach(() => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'message-1' });
  });

  it('publishes a prefixed subject and a message with the summary and the failed checks', async () => {
    const result = await publishNotification(target(), {
      workflow: 'validate-platform',
      subject: 'validate-platform: UNHEALTHY',
      summary: '1 passed, 1 failed, 1 errored',
      detail: report,
    });

    expect(result).toEqual({ messageId: 'message-1' });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:lakehouse-ops',
      Subject: '[production] validate-platform: UNHEALTHY',
    });
    const message = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(
      message.startsWith(
        '1 passed, 1 failed, 1 errored\n\nWorkflow: validate-platform\nEnvironment: production',
      ),
    ).toBe(true);
    expect(message).toContain(
      'Failed checks:\n- minio-statefulset (FAILED): minio-3: pod does not exist\n- monitoring (ERROR): KubernetesApiError: 403',
    );
    expect(message).not.toContain('- nodes');
  });

  it('throws TransientError when SNS throttles', async () => {
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const error = await rejectionOf(
      publishNotification(target(), { workflow: 'backup', subject: 'backup done', summary: 'ok' }),
    );

    expect(error.name).toBe('TransientError');
  });
});

describe('toSnsSubject', () => {
  it('keeps subjects to one line of printable ASCII under 100 characters', () => {
    const subject = toSnsSubject(`Plateforme dégradée ✗\nnœud ${'x'.repeat(200)}`);

    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.length).toBeLessThan(100);
    expect(subject.startsWith('Plateforme degradee ? n?ud xxx')).toBe(true);
    expect(subject.endsWith('xxx')).toBe(true);
  });

  it('cuts a long subject in the middle, keeping the name at its end', () => {
    const subject = toSnsSubject(
      `[development] ESCALATED DeploymentReplicasUnavailable on lakehouse-development/prefect/Deployment/prefect-worker-${'x'.repeat(40)}-end`,
    );

    expect(subject).toHaveLength(99);
    expect(subject.startsWith('[development] ESCALATED DeploymentReplicas')).toBe(true);
    expect(subject).toContain('...');
    expect(subject.endsWith('x-end')).toBe(true);
  });
});
