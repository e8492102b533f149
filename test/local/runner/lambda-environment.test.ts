import { describe, expect, it } from 'vitest';
import {
  LocalEnvironmentError,
  resolveHandlerEnvironment,
} from '../../../local/runner/lambda-environment.ts';
import type { LocalFunction } from '../../../local/runner/lambda-functions.ts';

const fn = (functionName: string, environment: Record<string, unknown>): LocalFunction => ({
  logicalId: functionName,
  functionName,
  handlerModule: `functions/${functionName}.handler.ts`,
  functionArn: `arn:aws:lambda:eu-central-1:000000000000:function:${functionName}`,
  timeoutSeconds: 30,
  memorySizeMb: 256,
  environment,
});

describe('resolveHandlerEnvironment', () => {
  it('keeps literals, takes local values for what the lakehouse provides, and drops Lambda runtime settings', () => {
    const environment = resolveHandlerEnvironment(
      [
        fn('check-nodes', {
          POWERTOOLS_SERVICE_NAME: 'lakehouse-ops',
          CLUSTER_NAME: 'lakehouse-development',
          NODE_OPTIONS: '--enable-source-maps',
        }),
        fn('notify', {
          POWERTOOLS_SERVICE_NAME: 'lakehouse-ops',
          NOTIFICATION_TOPIC_ARN: { Ref: 'NotificationTopic' },
        }),
      ],
      {
        CLUSTER_NAME: 'lakehouse-local',
        NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:eu-central-1:000000000000:local',
        AWS_REGION: 'eu-central-1',
      },
    );
    expect(environment).toEqual({
      POWERTOOLS_SERVICE_NAME: 'lakehouse-ops',
      CLUSTER_NAME: 'lakehouse-local',
      NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:eu-central-1:000000000000:local',
      AWS_REGION: 'eu-central-1',
    });
  });

  it('names the function and variable when a token has no local value', () => {
    expect(() =>
      resolveHandlerEnvironment([fn('notify', { NOTIFICATION_TOPIC_ARN: { Ref: 'NotificationTopic' } })], {}),
    ).toThrow(
      /notify: NOTIFICATION_TOPIC_ARN is \{"Ref":"NotificationTopic"\} in the template .* provides no value/,
    );
  });

  it('refuses two functions that need different values for one variable in the shared process', () => {
    const call = () =>
      resolveHandlerEnvironment([fn('a', { LOG_LEVEL: 'INFO' }), fn('b', { LOG_LEVEL: 'DEBUG' })], {});
    expect(call).toThrow(LocalEnvironmentError);
    expect(call).toThrow(/LOG_LEVEL differs between a \("INFO"\) and b \("DEBUG"\)/);
  });
});
