/**
 * The bench's server process: the local alert ingress exactly as the local lakehouse runs it, plus
 * the floor peer, a bare node:http server that only parses the JSON body and answers 200; apart
 * from the load generator so the senders do not steal its event loop, and from dynalite and
 * aws-sim (backends.ts), which stand for DynamoDB and EventBridge, other machines in AWS.
 *
 * Prints one JSON line `{ "ingress": url, "peer": url, "token": ... }`, then runs until stdin closes.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startAlertIngressServer } from '../../local/lakehouse/alert-ingress-server.ts';
import { BENCH_AWS } from './bench-aws.ts';

// DynamoDB and EventBridge run in their own process, as they are other machines in AWS.
const BACKENDS = fileURLToPath(new URL('./backends.ts', import.meta.url));
const backends = spawn(process.execPath, ['--import', 'tsx', BACKENDS], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const backendLines = createInterface({ input: backends.stdout! })[Symbol.asyncIterator]();
const started = await backendLines.next();
if (started.done) throw new Error(`the backends process exited before it started (${BACKENDS})`);
const urls = JSON.parse(started.value) as { dynamodb: string; awsSim: string };

Object.assign(process.env, {
  POWERTOOLS_SERVICE_NAME: 'lakehouse-ops',
  POWERTOOLS_METRICS_NAMESPACE: 'LakehouseOpsBench',
  // One info line per delivery (and Metrics' "no metrics" warning) would time the terminal, not
  // the ingress; errors still show.
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_REGION: BENCH_AWS.region,
  AWS_ACCESS_KEY_ID: BENCH_AWS.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: BENCH_AWS.credentials.secretAccessKey,
  OPS_TABLE_NAME: BENCH_AWS.opsTable,
  ALERT_EVENT_BUS_NAME: BENCH_AWS.alertBus,
  ALERT_WEBHOOK_SECRET_ID: BENCH_AWS.secretId,
  AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
  AWS_ENDPOINT_URL_EVENTBRIDGE: urls.awsSim,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: urls.awsSim,
});
const ingress = await startAlertIngressServer();

const peer = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts?: unknown[] };
    const body = JSON.stringify({ alerts: payload.alerts?.length ?? 0 });
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
peer.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));

process.stdout.write(
  `${JSON.stringify({
    ingress: ingress.url,
    peer: `http://127.0.0.1:${(peer.address() as AddressInfo).port}/`,
    token: BENCH_AWS.token,
  })}\n`,
);

process.stdin.resume();
process.stdin.on('end', async () => {
  peer.closeAllConnections();
  peer.close();
  await ingress.stop();
  const exited = new Promise((resolve) => backends.once('exit', resolve));
  backends.stdin!.end();
  const last = await backendLines.next();
  await exited;
  process.stdout.write(`${last.done ? '{}' : last.value}\n`);
  process.exit(0);
});
