/**
 * Alert webhook benchmark (issue 4): response time of the local alert ingress (the deployed
 * alert-ingress handler behind local/lakehouse/alert-ingress-server.ts, with dynalite and aws-sim)
 * at 50 concurrent senders, against a floor peer (node:http that only parses the JSON) measured in
 * the same rounds. Two loads:
 *
 * - paced: each sender posts at a fixed rate (Alertmanager's pace: a delivery per group when it
 *   changes), and a response time counts from when the delivery was due, so a slow answer that
 *   delays the next one is not hidden (no coordinated omission).
 * - saturated: each sender posts its next delivery as soon as the last is answered; with 50 in
 *   flight the response time is mostly queueing, so this load reports throughput.
 *
 * See bench/README.md for the method and the recorded result.
 *
 *   npm run bench:remediation   # ~2 min; writes bench/results/remediation-webhook.json
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_REQUESTS (per target, load and round, default
 * 1500), BENCH_SENDERS (default 50), BENCH_RATE (deliveries per second per paced sender, default 2).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { webhookAlert, webhookPayload } from '../../test/functions/support/alert-ingress.ts';

const ROUNDS = positiveInteger('BENCH_ROUNDS', 3);
const REQUESTS = positiveInteger('BENCH_REQUESTS', 1500);
const SENDERS = positiveInteger('BENCH_SENDERS', 50);
const RATE = positiveInteger('BENCH_RATE', 2);
const WARMUP_REQUESTS = 300;
const TARGET_P99_MS = 50;
/** Alerts that keep firing: most deliveries are Alertmanager's repeats of these. */
const FIRING_ALERTS = 100;
/** Share of deliveries that carry one alert never seen before (a new claim and a PutEvents). */
const NEW_ALERT_SHARE = 0.1;
const RESULTS_FILE = fileURLToPath(new URL('../results/remediation-webhook.json', import.meta.url));
const SERVERS = fileURLToPath(new URL('./servers.ts', import.meta.url));

interface Servers {
  ingress: string;
  peer: string;
  token: string;
}

interface Sample {
  ms: number;
  status: number;
  published: number;
}

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** A small seeded generator, so every run sends the same deliveries. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function deliveries(count: number, round: number): string[] {
  const random = seededRandom(round + 1);
  let fresh = 0;
  return Array.from({ length: count }, () => {
    const size = 1 + Math.floor(random() * 5);
    const alerts = Array.from({ length: size }, () =>
      webhookAlert({
        fingerprint: (Math.floor(random() * FIRING_ALERTS) + 1).toString(16).padStart(16, '0'),
      }),
    );
    if (random() < NEW_ALERT_SHARE) {
      fresh += 1;
      const fingerprint = `${(round + 1).toString(16)}${fresh.toString(16).padStart(8, '0')}`.padStart(
        16,
        'f',
      );
      alerts[0] = webhookAlert({ fingerprint, startsAt: new Date().toISOString() });
    }
    return JSON.stringify(webhookPayload(alerts));
  });
}

interface ServerProcess {
  child: ChildProcess;
  /** The process's stdout, one JSON line at a time. */
  lines: AsyncIterator<string>;
}

async function startServers(): Promise<{ servers: Servers; process: ServerProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVERS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`the server process exited before it started (${SERVERS})`);
  return { servers: JSON.parse(first.value) as Servers, process: { child, lines } };
}

/** Stops the servers and returns how many events reached aws-sim's EventBridge. */
async function stopServers({ child, lines }: ServerProcess): Promise<number> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  const last = await lines.next();
  await exited;
  return last.done ? Number.NaN : (JSON.parse(last.value) as { publishedEvents: number }).publishedEvents;
}

function post(agent: Agent, url: string, token: string, body: string): Promise<Omit<Sample, 'ms'>> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { published?: number };
          resolve({ status: incoming.statusCode ?? 0, published: answer.published ?? 0 });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * `SENDERS` senders share the deliveries. Saturated (no rate): each posts its next one as soon as
 * the last is answered. Paced: sender i posts at start + (i / SENDERS + k) / RATE seconds, and the
 * time counts from then.
 */
async function load(
  agent: Agent,
  url: string,
  token: string,
  bodies: readonly string[],
  rate?: number,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  let next = 0;
  const start = performance.now();
  const sender = async (index: number) => {
    for (let k = 0; next < bodies.length; k += 1) {
      const body = bodies[next]!;
      next += 1;
      const due = rate === undefined ? performance.now() : start + ((index / SENDERS + k) / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sample = await post(agent, url, token, body);
      samples.push({ ...sample, ms: performance.now() - due });
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, (_, index) => sender(index)));
  return samples;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(samples: readonly Sample[]) {
  const ms = samples.map((sample) => sample.ms);
  return {
    requests: samples.length,
    p50: percentile(ms, 50),
    p90: percentile(ms, 90),
    p99: percentile(ms, 99),
    max: Math.max(...ms),
    non200: samples.filter((sample) => sample.status !== 200).length,
  };
}

type Target = 'ingress' | 'peer';
type Load = 'paced' | 'saturated';
const samples: Record<`${Target} ${Load}`, Sample[]> = {
  'ingress paced': [],
  'peer paced': [],
  'ingress saturated': [],
  'peer saturated': [],
};
const wallSeconds: Record<`${Target} ${Load}`, number> = {
  'ingress paced': 0,
  'peer paced': 0,
  'ingress saturated': 0,
  'peer saturated': 0,
};

const { servers, process: serverProcess } = await startServers();
const agent = new Agent({ keepAlive: true, maxSockets: SENDERS });
try {
  await load(agent, servers.ingress, servers.token, deliveries(WARMUP_REQUESTS, 1000));
  await load(agent, servers.peer, servers.token, deliveries(WARMUP_REQUESTS, 1000));
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which goes first, so a slow spell of the machine does not always hit the same one.
    const targets: Target[] = round % 2 === 0 ? ['ingress', 'peer'] : ['peer', 'ingress'];
    for (const mode of ['paced', 'saturated'] as const) {
      const bodies = deliveries(REQUESTS, 2 * round + (mode === 'paced' ? 0 : 1));
      for (const target of targets) {
        const started = performance.now();
        const measured = await load(
          agent,
          servers[target],
          servers.token,
          bodies,
          mode === 'paced' ? RATE : undefined,
        );
        wallSeconds[`${target} ${mode}`] += (performance.now() - started) / 1000;
        samples[`${target} ${mode}`].push(...measured);
      }
    }
  }
} finally {
  agent.destroy();
}
const publishedEvents = await stopServers(serverProcess);

const summaries = Object.fromEntries(
  Object.entries(samples).map(([name, measured]) => [
    name,
    {
      ...summary(measured),
      requestsPerSecond: measured.length / wallSeconds[name as keyof typeof wallSeconds],
    },
  ]),
) as Record<keyof typeof samples, ReturnType<typeof summary> & { requestsPerSecond: number }>;
const pacedIngress = summaries['ingress paced'];
const pacedPeer = summaries['peer paced'];
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  senders: SENDERS,
  pacedRatePerSender: RATE,
  rounds: ROUNDS,
  requestsPerRound: REQUESTS,
  newAlertShare: NEW_ALERT_SHARE,
  ...summaries,
  'ingress paced, deliveries with a new alert': summary(
    samples['ingress paced'].filter((s) => s.published > 0),
  ),
  'ingress paced, repeats only': summary(samples['ingress paced'].filter((s) => s.published === 0)),
  pacedP50VersusPeer: pacedIngress.p50 / pacedPeer.p50,
  pacedP99VersusPeer: pacedIngress.p99 / pacedPeer.p99,
  saturatedThroughputVersusPeer:
    summaries['ingress saturated'].requestsPerSecond / summaries['peer saturated'].requestsPerSecond,
  publishedEvents,
  withinTarget: pacedIngress.p99 < TARGET_P99_MS,
};
mkdirSync(dirname(RESULTS_FILE), { recursive: true });
writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);

const row = (name: string, s: ReturnType<typeof summary> & { requestsPerSecond?: number }) =>
  `| ${name} | ${s.requests} | ${s.p50.toFixed(1)} | ${s.p90.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} | ${s.requestsPerSecond?.toFixed(0) ?? ''} | ${s.non200} |`;
console.log(
  `${result.date.slice(0, 10)}, Node ${result.node}, ${result.cpus}, ${SENDERS} senders (paced: ${RATE}/s each), ${ROUNDS} rounds\n`,
);
console.log('| target, load | requests | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | req/s | non-200 |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, value] of Object.entries(result)) {
  if (typeof value === 'object' && value !== null && 'p99' in value) console.log(row(name, value));
}
console.log(
  `\npaced p99 ${pacedIngress.p99.toFixed(1)} ms (target < ${TARGET_P99_MS} ms: ${result.withinTarget ? 'met' : 'missed'}); ` +
    `ingress/peer paced: p50 ${result.pacedP50VersusPeer.toFixed(1)}x, p99 ${result.pacedP99VersusPeer.toFixed(1)}x; ` +
    `saturated throughput ${result.saturatedThroughputVersusPeer.toFixed(2)}x the peer; ` +
    `${publishedEvents} events published. Results in ${RESULTS_FILE}`,
);
