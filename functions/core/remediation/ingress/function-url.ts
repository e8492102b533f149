/** Moved to functions/commons/function-url.ts (MinIO's replication webhook uses it too). */
export {
  type FunctionUrlEvent,
  functionUrlEventSchema,
  webhookRequestOf,
} from '../../../commons/function-url.ts';
