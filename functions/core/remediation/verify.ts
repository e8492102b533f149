import type { AlertEvent } from './alert-event.ts';
import { type HttpJsonOptions, requestJson } from './http-json.ts';

/**
 * Did the action clear the alert? The alert's own expression (from its generatorURL, as Prometheus
 * writes it: `.../graph?g0.expr=<expr>`) is evaluated now, and the alert still holds while a result
 * series matches it: every label of the series equals the alert's label of the same name (the alert
 * adds its rule's static labels, so its labels are a superset). Without a generatorURL (Amazon
 * Managed Prometheus leaves it out when not configured) the ALERTS series of the alert is asked
 * instead. Polling until a timeout is the workflow's loop; this is one look.
 */
export interface AlertCheck {
  cleared: boolean;
  /** The PromQL that was evaluated. */
  query: string;
  /** Result series that still match the alert. */
  matching: number;
  checkedAt: string;
}

type VectorResult = { metric: Record<string, string>; value: [number, string] }[];

export function alertExpression(alert: Pick<AlertEvent, 'generatorURL' | 'alertname' | 'labels'>): string {
  const expression = expressionOfGeneratorUrl(alert.generatorURL);
  if (expression) return expression;
  const matchers = Object.entries(alert.labels)
    .filter(([name]) => name !== 'alertstate')
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `ALERTS{${[...matchers, 'alertstate="firing"'].join(',')}}`;
}

function expressionOfGeneratorUrl(generatorUrl: string | undefined): string | undefined {
  if (!generatorUrl) return undefined;
  try {
    return new URL(generatorUrl).searchParams.get('g0.expr') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Labels a result series has that the alert itself never carries (ALERTS adds `alertstate`). */
const SERIES_ONLY_LABELS = new Set(['__name__', 'alertstate']);

function matchesAlert(series: Record<string, string>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(series).every(
    ([name, value]) => SERIES_ONLY_LABELS.has(name) || labels[name] === value,
  );
}

export async function checkAlertCleared(
  prometheusUrl: string,
  alert: Pick<AlertEvent, 'generatorURL' | 'alertname' | 'labels'>,
  now: Date,
  fetch?: HttpJsonOptions['fetch'],
): Promise<AlertCheck> {
  const query = alertExpression(alert);
  const url = new URL(`${prometheusUrl.replace(/\/+$/, '')}/api/v1/query`);
  url.searchParams.set('query', query);
  url.searchParams.set('time', String(now.getTime() / 1000));
  const body = await requestJson<{
    status: string;
    error?: string;
    data?: { resultType: string; result: unknown };
  }>(`evaluate ${alert.alertname}`, url.toString(), { fetch });
  if (body?.status !== 'success' || body.data?.resultType !== 'vector') {
    throw new Error(
      `Prometheus could not evaluate ${query}: ${body?.error ?? `result type ${body?.data?.resultType}`}`,
    );
  }
  const matching = (body.data.result as VectorResult).filter((series) =>
    matchesAlert(series.metric, alert.labels),
  ).length;
  return { cleared: matching === 0, query, matching, checkedAt: now.toISOString() };
}
