import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { handler } from '../../functions/notify.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { rejectionOf } from './support/rejection.ts';

describe('notify handler', () => {
  const sns = mockClient(SNSClient);

  useHandlerEnvironment(() => ({
    ENVIRONMENT_NAME: 'production',
    NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:lakehouse-ops',
  }));
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'message-42' });
  });

  it('publishes to the configured topic and returns the message id', async () => {
    const result = await handler(
      {
        workflow: 'validate-platform',
        subject: 'validate-platform: HEALTHY',
        summary: '7 passed',
        detail: {},
      },
      lambdaContext(),
    );

    expect(result).toEqual({ messageId: 'message-42' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:lakehouse-ops',
      Subject: '[production] validate-platform: HEALTHY',
    });
  });

  it('rejects an event without a subject', async () => {
    const error = await rejectionOf(handler({ workflow: 'backup', summary: 'done' }, lambdaContext()));

    expect(error).toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('subject: expected string'),
    });
  });
});
