/**
 * A hook through which the middleware's Tracer wraps AWS SDK clients (X-Ray subsegments per call)
 * without the client modules importing the Tracer. It lives apart from both so that importing a
 * client does not pull the Powertools bundle in, and vice versa.
 */
type ClientInstrumentation = <Client>(client: Client) => Client;

let instrumentation: ClientInstrumentation = (client) => client;

export function setClientInstrumentation(instrument: ClientInstrumentation): void {
  instrumentation = instrument;
}

export function instrumentClient<Client>(client: Client): Client {
  return instrumentation(client);
}
