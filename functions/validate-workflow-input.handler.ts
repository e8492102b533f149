import { powertoolsEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** First step of validate-platform: rejects a mistyped console input and fills in the defaults. */
export const handler = createHandler(
  {
    name: 'validate-workflow-input',
    environment: powertoolsEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (request, { logger }) => {
    logger.info('validate-platform requested', { request });
    return request;
  },
);
