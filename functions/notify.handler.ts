import { snsClient } from './commons/aws-clients.ts';
import { notificationHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { notificationRequestSchema, publishNotification } from './core/notification/notify.ts';

/** Any workflow's last step: tells the operators what happened (SNS -> e-mail, chat). */
export const handler = createHandler(
  { name: 'notify', environment: notificationHandlerEnvironment, event: notificationRequestSchema },
  async (request, { env }) =>
    publishNotification(
      { sns: snsClient(), topicArn: env.NOTIFICATION_TOPIC_ARN, environment: env.ENVIRONMENT_NAME },
      request,
    ),
);
