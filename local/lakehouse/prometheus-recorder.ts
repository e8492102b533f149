import {
  evaluationTime,
  type LocalHttpServer,
  normaliseQuery,
  type PrometheusSample,
  RECORDED_PATHS,
  type RecordedAnswer,
  relativeSample,
  requestParameters,
  serveLocally,
} from './recorded-prometheus.ts';

/**
 * A proxy in front of a real Prometheus that keeps, time-relative, every query answer it forwards
 * (recorded-prometheus.ts describes the recording). Everything else passes through unrecorded.
 */
export interface PrometheusRecorder extends LocalHttpServer {
  /** The answers so far, one per distinct (path, query, step, evaluation offset). */
  answers(): RecordedAnswer[];
}

interface QueryAnswer {
  status?: string;
  data?: { resultType?: string; result?: PrometheusSample[] };
}

const RECORDABLE_RESULTS: ReadonlySet<string> = new Set(['vector', 'matrix']);

export async function startPrometheusRecorder(
  prometheusUrl: string,
  options: { readonly timeValued: (metric: Record<string, string>) => boolean },
): Promise<PrometheusRecorder> {
  const target = prometheusUrl.replace(/\/+$/, '');
  const recorded = new Map<string, RecordedAnswer>();
  const server = await serveLocally(async (request, body, response) => {
    const url = new URL(request.url ?? '/', target);
    const askedAt = Date.now() / 1000;
    const forwarded = await fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method ?? 'GET',
      ...(request.method === 'POST' ? { body } : {}),
      headers: { 'content-type': request.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
    });
    const text = await forwarded.text();
    if (forwarded.status === 200 && RECORDED_PATHS.has(url.pathname)) {
      const answer = JSON.parse(text) as QueryAnswer;
      const resultType = answer.data?.resultType ?? '';
      if (answer.status === 'success' && RECORDABLE_RESULTS.has(resultType)) {
        const parameters = requestParameters(url, body);
        const anchor = evaluationTime(url.pathname, parameters, askedAt);
        const step = parameters.get('step');
        const entry: RecordedAnswer = {
          path: url.pathname,
          query: normaliseQuery(parameters.get('query') ?? ''),
          ...(step === null ? {} : { step }),
          askedAtOffset: Math.round(anchor - askedAt),
          resultType,
          result: (answer.data?.result ?? []).map((sample) =>
            relativeSample(sample, anchor, options.timeValued),
          ),
        };
        // A query polled until it changes keeps its last answer: what the handler went on with.
        recorded.set(JSON.stringify([entry.path, entry.query, entry.step, entry.askedAtOffset]), entry);
      }
    }
    response.writeHead(forwarded.status, {
      'content-type': forwarded.headers.get('content-type') ?? 'application/json',
    });
    response.end(text);
  });
  return { ...server, answers: () => [...recorded.values()] };
}
