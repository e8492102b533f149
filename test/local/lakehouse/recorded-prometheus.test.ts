import { afterEach, describe, expect, it } from 'vitest';
import { startPrometheusRecorder } from '../../../local/lakehouse/prometheus-recorder.ts';
import {
  type LocalHttpServer,
  type PrometheusRecording,
  startRecordedPrometheus,
} from '../../../local/lakehouse/recorded-prometheus.ts';

const NOW = 2_000_000_000;
const DAYS_4 = 4 * 86_400;
const USAGE = 'label_replace(max_over_time(x[5760m]), "statistic", "firstSeen", "", "")';
const WATCH = 'sum(increase(restarts{pod=~"w-.+"}[<seconds>s]))';

const recording: PrometheusRecording = {
  about: 'test',
  sections: {
    scenario: [
      {
        path: '/api/v1/query',
        query: USAGE,
        askedAtOffset: 0,
        resultType: 'vector',
        result: [
          { metric: { statistic: 'firstSeen' }, value: [0, String(-DAYS_4)], timeValued: true },
          { metric: { statistic: 'cpuMax' }, value: [0, '0.25'] },
        ],
      },
      // The watch: one query, the period before the change (6 s earlier) and the period after it.
      { path: '/api/v1/query', query: WATCH, askedAtOffset: -6, resultType: 'vector', result: [] },
      {
        path: '/api/v1/query',
        query: WATCH,
        askedAtOffset: 0,
        resultType: 'vector',
        result: [{ metric: {}, value: [0, '4'] }],
      },
      {
        path: '/api/v1/query_range',
        query: 'up',
        step: '60',
        askedAtOffset: 0,
        resultType: 'matrix',
        result: [
          {
            metric: { job: 'a' },
            values: [
              [-60, '1'],
              [0, '0'],
            ],
          },
        ],
      },
    ],
  },
};

interface Answer {
  status: string;
  error?: string;
  data: {
    resultType: string;
    result: { metric: Record<string, string>; value?: unknown[]; values?: unknown[] }[];
  };
}

const servers: LocalHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function responder(now = () => NOW): Promise<LocalHttpServer> {
  const server = await startRecordedPrometheus(recording, {
    source: 'fixtures/recording.json',
    section: 'scenario',
    howToRecord: 'run rightsizing-record.ts',
    now,
  });
  servers.push(server);
  return server;
}

async function query(url: string, parameters: Record<string, string>, path = '/api/v1/query') {
  const response = await fetch(`${url}${path}?${new URLSearchParams(parameters)}`);
  return { status: response.status, body: (await response.json()) as Answer };
}

describe('startRecordedPrometheus', () => {
  it('answers a recorded query re-anchored at the evaluation time, times among the values too', async () => {
    const { url } = await responder();
    const { status, body } = await query(url, { query: USAGE, time: String(NOW - 2), timeout: '30s' });
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { statistic: 'firstSeen' }, value: [NOW - 2, String(NOW - 2 - DAYS_4)] },
          { metric: { statistic: 'cpuMax' }, value: [NOW - 2, '0.25'] },
        ],
      },
    });
  });

  it('tells the periods of one watch query apart by evaluation time, whatever the window', async () => {
    const { url } = await responder();
    const watch = (at: number) =>
      query(url, { query: WATCH.replace('<seconds>', '75'), time: String(at) }).then(
        ({ body }) => body.data.result,
      );
    expect(await watch(NOW - 7)).toEqual([]);
    expect(await watch(NOW)).toEqual([{ metric: {}, value: [NOW, '4'] }]);
  });

  it('answers a form POST and a range query, anchored at its end', async () => {
    const { url } = await responder();
    const response = await fetch(`${url}/api/v1/query_range`, {
      method: 'POST',
      body: new URLSearchParams({
        query: 'up',
        start: String(NOW - 600),
        end: String(NOW - 100),
        step: '60',
      }),
    });
    expect(((await response.json()) as Answer).data.result).toEqual([
      {
        metric: { job: 'a' },
        values: [
          [NOW - 160, '1'],
          [NOW - 100, '0'],
        ],
      },
    ]);
  });

  it('refuses a query it has no recording for with a 400 naming it and how to record it', async () => {
    const { url } = await responder();
    const unknown = await query(url, { query: 'sum(made_up)', time: String(NOW) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.status).toBe('error');
    expect(unknown.body.error).toBe(
      'no recorded answer in fixtures/recording.json (scenario) for /api/v1/query query "sum(made_up)": run rightsizing-record.ts',
    );
    const otherStep = await query(url, { query: 'up', end: String(NOW), step: '15' }, '/api/v1/query_range');
    expect(otherStep.status).toBe(400);
    expect(otherStep.body.error).toContain('query "up" step 15');
    expect((await query(url, { match: 'up' }, '/api/v1/series')).status).toBe(404);
  });

  it('names the sections it has when asked for a missing one', async () => {
    await expect(
      startRecordedPrometheus(recording, { source: 'r.json', section: 'other', howToRecord: 'record it' }),
    ).rejects.toThrow('r.json has no section other (it has scenario): record it');
  });
});

describe('startPrometheusRecorder', () => {
  it('records what it forwards time-relative, so that a replay at another time answers the same', async () => {
    const upstream = await responder();
    const recorder = await startPrometheusRecorder(upstream.url, {
      timeValued: (metric) => metric.statistic === 'firstSeen',
    });
    servers.push(recorder);
    const forwarded = await query(recorder.url, { query: USAGE, time: String(NOW) });
    expect(forwarded.body.data.result[0]?.value).toEqual([NOW, String(NOW - DAYS_4)]);
    await query(recorder.url, { query: 'sum(made_up)', time: String(NOW) });
    const [answer, ...others] = recorder.answers();
    expect(others).toEqual([]);
    expect(answer).toMatchObject({ path: '/api/v1/query', query: USAGE, resultType: 'vector' });
    expect(answer?.result).toEqual(recording.sections.scenario?.[0]?.result);
  });
});
