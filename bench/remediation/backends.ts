/**
 * The AWS services the alert ingress calls, in a process of their own: dynalite (the ops table)
 * and aws-sim (EventBridge, the webhook secret). In AWS, DynamoDB and EventBridge are other
 * machines; sharing the ingress's event loop with them would time their work as the ingress's.
 *
 * Prints one JSON line `{ "dynamodb": url, "awsSim": url }`, then runs until stdin closes, when it
 * prints `{ "publishedEvents": n }` and exits.
 */
import { startAwsSim } from '../../local/aws-sim/server.ts';
import { startLocalDynamoDb } from '../../local/lakehouse/dynamodb.ts';
import { BENCH_AWS } from './bench-aws.ts';

const dynamo = await startLocalDynamoDb({
  opsTableName: BENCH_AWS.opsTable,
  region: BENCH_AWS.region,
  credentials: BENCH_AWS.credentials,
});
const awsSim = await startAwsSim({
  region: BENCH_AWS.region,
  eventBuses: [BENCH_AWS.alertBus],
  secrets: [{ name: BENCH_AWS.secretId, value: { token: BENCH_AWS.token } }],
});
process.stdout.write(`${JSON.stringify({ dynamodb: dynamo.url, awsSim: awsSim.url })}\n`);

process.stdin.resume();
process.stdin.on('end', async () => {
  process.stdout.write(`${JSON.stringify({ publishedEvents: awsSim.events.recorded.length })}\n`);
  await awsSim.stop();
  await dynamo.stop();
  process.exit(0);
});
