import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Recorded Prometheus answers, for running the right-sizing drill where Prometheus is not
 * installed (issue 6). A recording holds, per section (a drill scenario), the answers a real
 * Prometheus gave to the queries the handlers sent, made time-relative so that a replay at another
 * time answers as if the same history ended at the replay's clock:
 *
 * - an answer is keyed by path, normalised query and `step`; the evaluation time (`time`, `start`,
 *   `end`) is not part of the key, and neither is a range in whole seconds (`[60s]`), which the
 *   watch derives from how long the run took;
 * - sample timestamps are offsets from the request's evaluation time (`time`, or `end` for a range
 *   query), and so are the values of samples that are themselves times (`timeValued`: the oldest
 *   pod's creation, which decides how many hours of evidence a recommendation has);
 * - the same query asked at two evaluation times (the watch measures the period before the change
 *   and the period after it with one expression) keeps both answers, each with how far its
 *   evaluation time was from the clock when it was asked: a replay answers with the closest.
 *
 * The responder (startRecordedPrometheus) speaks the subset of the HTTP API the handlers use, GET or
 * form POST /api/v1/query and /api/v1/query_range, and answers a query it has no recording for
 * with a 400 naming the query and how to record it: never a made-up value.
 */
export interface RecordedSample {
  readonly metric: Record<string, string>;
  /** [offset from the evaluation time in seconds, value] */
  readonly value?: readonly [number, string];
  readonly values?: readonly (readonly [number, string])[];
  /** The value is a time, recorded as an offset from the evaluation time. */
  readonly timeValued?: true;
}

export interface RecordedAnswer {
  readonly path: string;
  readonly query: string;
  readonly step?: string;
  /** The request's evaluation time minus the clock when it was asked, in seconds. */
  readonly askedAtOffset: number;
  readonly resultType: string;
  readonly result: readonly RecordedSample[];
}

export interface PrometheusRecording {
  /** How the file was made and how to make it again. */
  readonly about: string;
  readonly sections: Readonly<Record<string, readonly RecordedAnswer[]>>;
}

export const RECORDED_PATHS: ReadonlySet<string> = new Set(['/api/v1/query', '/api/v1/query_range']);

/** A range in whole seconds is how long the run took (the watch's window), not what was asked. */
export function normaliseQuery(query: string): string {
  return query.replace(/\[\d+s\]/g, '[<seconds>s]');
}

/** The request's parameters, from the URL and a form body. */
export function requestParameters(url: URL, body: string): URLSearchParams {
  const parameters = new URLSearchParams(url.searchParams);
  for (const [name, value] of new URLSearchParams(body)) parameters.append(name, value);
  return parameters;
}

/** The evaluation time of an instant query (`time`) or a range query (`end`); absent is now. */
export function evaluationTime(path: string, parameters: URLSearchParams, now: number): number {
  const given = parameters.get(path === '/api/v1/query_range' ? 'end' : 'time');
  if (given === null) return now;
  const seconds = Number(given);
  return Number.isFinite(seconds) ? seconds : Date.parse(given) / 1000;
}

/** A sample as Prometheus answers it (a vector's `value`, a matrix's `values`). */
export interface PrometheusSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

const shift = (at: number, delta: number) => Math.round((at + delta) * 1000) / 1000;

function shiftValue(value: string, delta: number): string {
  return String(shift(Number(value), delta));
}

/** A sample as recorded: its times (and its value, when it is a time) relative to `anchor`. */
export function relativeSample(
  sample: PrometheusSample,
  anchor: number,
  timeValued: (metric: Record<string, string>) => boolean,
): RecordedSample {
  const isTime = timeValued(sample.metric);
  const relative = ([at, value]: [number, string]): [number, string] => [
    shift(at, -anchor),
    isTime ? shiftValue(value, -anchor) : value,
  ];
  return {
    metric: sample.metric,
    ...(sample.value ? { value: relative(sample.value) } : {}),
    ...(sample.values ? { values: sample.values.map(relative) } : {}),
    ...(isTime ? { timeValued: true as const } : {}),
  };
}

/** A recorded sample re-anchored at `anchor`, as Prometheus would have answered it. */
export function anchoredSample(sample: RecordedSample, anchor: number): PrometheusSample {
  const absolute = ([at, value]: readonly [number, string]): [number, string] => [
    shift(at, anchor),
    sample.timeValued ? shiftValue(value, anchor) : value,
  ];
  return {
    metric: sample.metric,
    ...(sample.value ? { value: absolute(sample.value) } : {}),
    ...(sample.values ? { values: sample.values.map(absolute) } : {}),
  };
}

export async function readPrometheusRecording(file: string): Promise<PrometheusRecording> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the Prometheus recording ${file}: ${error.message}`);
  });
  const recording = JSON.parse(text) as Partial<PrometheusRecording>;
  if (typeof recording.sections !== 'object' || recording.sections === null) {
    throw new Error(`${file} is not a Prometheus recording: expected { about, sections: { <name>: [...] } }`);
  }
  return recording as PrometheusRecording;
}

/** Replaces one section of the recording in `file` (created when missing), keeping the others. */
export async function saveRecordingSection(
  file: string,
  about: string,
  section: string,
  answers: readonly RecordedAnswer[],
): Promise<void> {
  const existing = await readPrometheusRecording(file).catch(() => undefined);
  const sections = { ...existing?.sections, [section]: answers };
  const ordered = Object.fromEntries(Object.entries(sections).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(file, `${formatRecording({ about, sections: ordered })}\n`);
}

/** Indented JSON with each sample's [time, value] on one line, as the repository's formatter has it. */
function formatRecording(recording: PrometheusRecording): string {
  return JSON.stringify(recording, null, 2).replace(
    /\[\n\s+(-?[\d.e+-]+),\n\s+("[^"]*")\n\s+\]/g,
    '[$1, $2]',
  );
}

export interface LocalHttpServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves `listener` on a free local port. */
export async function serveLocally(
  listener: (request: IncomingMessage, body: string, response: ServerResponse) => Promise<void>,
): Promise<LocalHttpServer> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      listener(request, Buffer.concat(chunks).toString('utf8'), response).catch((error: Error) => {
        if (!response.headersSent) sendJson(response, 502, { status: 'error', error: error.message });
        else response.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

export interface RecordedPrometheusOptions {
  /** Where the recording came from, named in the errors. */
  readonly source: string;
  readonly section: string;
  /** How to make the recording again, said when a query has none. */
  readonly howToRecord: string;
  /** The replay's clock, in seconds. */
  readonly now?: () => number;
}

/** The recorded answer for a request, or why there is none. */
export function findRecordedAnswer(
  answers: readonly RecordedAnswer[],
  request: { path: string; parameters: URLSearchParams; now: number },
): RecordedAnswer | undefined {
  const query = normaliseQuery(request.parameters.get('query') ?? '');
  const step = request.parameters.get('step') ?? undefined;
  const askedAtOffset = evaluationTime(request.path, request.parameters, request.now) - request.now;
  const candidates = answers.filter(
    (answer) => answer.path === request.path && answer.query === query && answer.step === step,
  );
  return candidates.reduce<RecordedAnswer | undefined>(
    (best, answer) =>
      best === undefined ||
      Math.abs(answer.askedAtOffset - askedAtOffset) < Math.abs(best.askedAtOffset - askedAtOffset)
        ? answer
        : best,
    undefined,
  );
}

export async function startRecordedPrometheus(
  recording: PrometheusRecording,
  options: RecordedPrometheusOptions,
): Promise<LocalHttpServer> {
  const answers = recording.sections[options.section];
  if (!answers) {
    throw new Error(
      `${options.source} has no section ${options.section} (it has ${Object.keys(recording.sections).join(', ') || 'none'}): ${options.howToRecord}`,
    );
  }
  const now = options.now ?? (() => Date.now() / 1000);
  return serveLocally(async (request, body, response) => {
    const url = new URL(request.url ?? '/', 'http://prometheus.local');
    if (!RECORDED_PATHS.has(url.pathname)) {
      sendJson(response, 404, {
        status: 'error',
        errorType: 'not_found',
        error: `the recorded Prometheus answers ${[...RECORDED_PATHS].join(' and ')} only, not ${url.pathname}`,
      });
      return;
    }
    const parameters = requestParameters(url, body);
    const at = now();
    const answer = findRecordedAnswer(answers, { path: url.pathname, parameters, now: at });
    if (!answer) {
      sendJson(response, 400, {
        status: 'error',
        errorType: 'bad_data',
        error: `no recorded answer in ${options.source} (${options.section}) for ${url.pathname} query ${JSON.stringify(parameters.get('query'))}${parameters.has('step') ? ` step ${parameters.get('step')}` : ''}: ${options.howToRecord}`,
      });
      return;
    }
    const anchor = evaluationTime(url.pathname, parameters, at);
    sendJson(response, 200, {
      status: 'success',
      data: {
        resultType: answer.resultType,
        result: answer.result.map((sample) => anchoredSample(sample, anchor)),
      },
    });
  });
}
