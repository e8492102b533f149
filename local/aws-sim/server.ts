import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackupSimulator } from './backup.ts';
import { type EcrRepositorySeed, EcrSimulator, renderEcrError } from './ecr.ts';
import { type EksClusterConfig, EksSimulator, type NodeGroupScaler, renderEksError } from './eks.ts';
import { EventsSimulator } from './events.ts';
import { AwsServiceError, readSimRequest, type SimRequest, type SimResponse } from './http.ts';
import { LambdaSimulator } from './lambda.ts';
import { type HostedZoneSeed, Route53Simulator, renderRoute53Error } from './route53.ts';
import { renderJsonProtocolError, SecretsManagerSimulator, type SeededSecret } from './secrets-manager.ts';
import { type PublishedNotification, renderQueryError, SnsSimulator } from './sns.ts';
import { renderSqsError, type SqsQueueSeed, SqsSimulator } from './sqs.ts';
import { renderJson10Error, StepFunctionsSimulator, type TaskTokenAnswers } from './step-functions.ts';

/**
 * One loopback HTTP server for the AWS control planes that have no local implementation (EKS, SNS,
 * Secrets Manager, AWS Backup, EventBridge PutEvents, Step Functions task tokens, SQS, Route 53, ECR). The real
 * SDK v3 clients reach it through AWS_ENDPOINT_URL_<SERVICE>, so each service speaks its own wire
 * protocol and is recognised the way its protocol identifies requests.
 */

export interface AwsSimOptions {
  readonly region?: string;
  readonly accountId?: string;
  readonly clusters?: readonly EksClusterConfig[];
  readonly nodeGroupScaler?: NodeGroupScaler;
  readonly topicArns?: readonly string[];
  readonly secrets?: readonly SeededSecret[];
  /** AWS Backup vaults that exist (StartBackupJob refuses any other). */
  readonly backupVaults?: readonly string[];
  /** EventBridge buses that exist besides `default`; PutEvents accepts any bus when omitted. */
  readonly eventBuses?: readonly string[];
  /**
   * Who holds the task tokens SendTaskSuccess/Failure answer (the local runner's TaskTokenBroker);
   * without one, every token is unknown (TaskDoesNotExist).
   */
  readonly taskTokens?: TaskTokenAnswers;
  /** SQS queues that exist from the start, in order (a dead-letter queue before the queues that use it). */
  readonly queues?: readonly SqsQueueSeed[];
  /** Route 53 hosted zones that exist from the start (each with its SOA and NS records). */
  readonly hostedZones?: readonly HostedZoneSeed[];
  /** ECR repositories and their tags, per region (the images gate of dr-failover reads the DR region's). */
  readonly ecrRepositories?: readonly EcrRepositorySeed[];
}

export interface AwsSim {
  readonly url: string;
  readonly eks: EksSimulator;
  readonly sns: SnsSimulator;
  readonly secretsManager: SecretsManagerSimulator;
  readonly backup: BackupSimulator;
  /** EventBridge: the events put so far, subscribers, injected entry failures. */
  readonly events: EventsSimulator;
  /** SQS: queue URLs and ARNs by name. */
  readonly sqs: SqsSimulator;
  /** Route 53: zones, submitted changes, health check probes, and resolve() for local name lookups. */
  readonly route53: Route53Simulator;
  /** ECR: image lookups in seeded repositories; seed() adds tags. */
  readonly ecr: EcrSimulator;
  /** Lambda Invoke of the functions registered with it (the DR proxy's primary-region agents). */
  readonly lambda: LambdaSimulator;
  /** SNS messages published so far, oldest first. */
  readonly published: readonly PublishedNotification[];
  stop(): Promise<void>;
}

interface ServiceRoute {
  handles(request: SimRequest): boolean;
  handle(request: SimRequest): SimResponse | Promise<SimResponse>;
  renderError(error: AwsServiceError): SimResponse;
}

export const LOCAL_ACCOUNT_ID = '000000000000';

export async function startAwsSim(options: AwsSimOptions = {}): Promise<AwsSim> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const eks = new EksSimulator(region, accountId, options.clusters ?? [], options.nodeGroupScaler);
  const sns = new SnsSimulator(options.topicArns ?? []);
  const secretsManager = new SecretsManagerSimulator(region, accountId, options.secrets ?? []);
  const backup = new BackupSimulator(region, accountId, options.backupVaults ?? []);
  const events = new EventsSimulator(region, accountId, options.eventBuses);
  const stepFunctions = new StepFunctionsSimulator(options.taskTokens);
  const sqs = new SqsSimulator(region, accountId);
  const route53 = new Route53Simulator(options.hostedZones ?? []);
  const ecr = new EcrSimulator(accountId, options.ecrRepositories ?? []);
  const lambda = new LambdaSimulator(region, accountId);
  // Order matters: the header- and form-based protocols are checked before the path-based routes.
  const routes: ServiceRoute[] = [
    {
      handles: (r) => secretsManager.handles(r),
      handle: (r) => secretsManager.handle(r),
      renderError: renderJsonProtocolError,
    },
    // EventBridge speaks the same JSON 1.1 protocol as Secrets Manager (another X-Amz-Target prefix).
    {
      handles: (r) => events.handles(r),
      handle: (r) => events.handle(r),
      renderError: renderJsonProtocolError,
    },
    // Step Functions is JSON 1.0: the same shape, another content type and X-Amz-Target prefix.
    {
      handles: (r) => stepFunctions.handles(r),
      handle: (r) => stepFunctions.handle(r),
      renderError: renderJson10Error,
    },
    // ECR is JSON 1.1 as well, under its own X-Amz-Target prefix.
    { handles: (r) => ecr.handles(r), handle: (r) => ecr.handle(r), renderError: renderEcrError },
    // SQS is JSON 1.0 too, with query-compatible error codes.
    { handles: (r) => sqs.handles(r), handle: (r) => sqs.handle(r), renderError: renderSqsError },
    { handles: (r) => sns.handles(r), handle: (r) => sns.handle(r), renderError: renderQueryError },
    { handles: (r) => eks.handles(r), handle: (r) => eks.handle(r), renderError: renderEksError },
    // AWS Backup is REST-JSON like EKS, and reports errors the same way.
    { handles: (r) => backup.handles(r), handle: (r) => backup.handle(r), renderError: renderEksError },
    // Route 53 is REST-XML: every path starts with its API version.
    { handles: (r) => route53.handles(r), handle: (r) => route53.handle(r), renderError: renderRoute53Error },
    // Lambda is REST-JSON with EKS's error shape; its paths start with its API version.
    { handles: (r) => lambda.handles(r), handle: (r) => lambda.handle(r), renderError: renderEksError },
  ];

  const server = createServer((incoming, outgoing) => {
    readSimRequest(incoming)
      .then((request) => dispatch(routes, request))
      .then((response) => send(outgoing, response))
      .catch((error: unknown) => send(outgoing, renderEksError(internalError(error))));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      sqs.close();
      server.close((error) => (error ? reject(error) : resolve()));
      // SDK clients keep sockets alive; without this, close() waits for them to time out.
      server.closeAllConnections();
    });
  try {
    sqs.listen(url, options.queues ?? []);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    eks,
    sns,
    secretsManager,
    backup,
    events,
    sqs,
    route53,
    ecr,
    lambda,
    get published() {
      return sns.published;
    },
    stop,
  };
}

async function dispatch(routes: readonly ServiceRoute[], request: SimRequest): Promise<SimResponse> {
  const route = routes.find((candidate) => candidate.handles(request));
  if (!route) {
    return renderEksError(
      new AwsServiceError(
        'UnknownOperationException',
        `aws-sim cannot tell which service ${request.method} ${request.path} is for`,
        400,
      ),
    );
  }
  try {
    return await route.handle(request);
  } catch (error) {
    return route.renderError(internalError(error));
  }
}

function internalError(error: unknown): AwsServiceError {
  if (error instanceof AwsServiceError) return error;
  return new AwsServiceError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
}

function send(outgoing: ServerResponse, response: SimResponse): void {
  outgoing.writeHead(response.status, {
    ...response.headers,
    'content-length': Buffer.byteLength(response.body),
    'x-amzn-requestid': randomUUID(),
  });
  outgoing.end(response.body);
}
