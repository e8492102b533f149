import { handler as alertIngressHandler } from '../../functions/alert-ingress.handler.ts';
import {
  type FunctionUrlHandler,
  type FunctionUrlServer,
  startFunctionUrlServer,
} from './function-url-server.ts';

/**
 * The alert ingress on loopback, so that a real Alertmanager (and the bench) can deliver to the
 * local lakehouse through the deployed alert-ingress handler behind a local Function URL. The
 * handler reads its environment from process.env (OPS_TABLE_NAME, ALERT_EVENT_BUS_NAME,
 * ALERT_WEBHOOK_SECRET_ID, AWS_ENDPOINT_URL_*): the caller sets it.
 */
export {
  FUNCTION_URL_MAX_REQUEST_BYTES,
  type FunctionUrlHandler,
  functionUrlEvent,
} from './function-url-server.ts';

export interface AlertIngressServerOptions {
  /** 127.0.0.1 unless told otherwise: the webhook is not for the network. */
  host?: string;
  /** 0 (the default) lets the system pick a free port. */
  port?: number;
  /** The deployed handler by default; tests of this server may pass another. */
  handler?: FunctionUrlHandler;
}

/** `url` is where Alertmanager's webhook_config should point. */
export type AlertIngressServer = FunctionUrlServer;

export function startAlertIngressServer(
  options: AlertIngressServerOptions = {},
): Promise<AlertIngressServer> {
  return startFunctionUrlServer({
    ...options,
    handler: options.handler ?? (alertIngressHandler as FunctionUrlHandler),
    functionName: 'lakehouse-ops-local-alert-ingress',
  });
}
