import type { AlertEvent } from './alert-event.ts';
import { type HttpJsonOptions, requestJson } from './http-json.ts';

/**
 * Silencing the alert while remediation works on it (Alertmanager API v2), so the on-call is not
 * paged for what is being fixed, and expiring the silence afterwards whatever the outcome: an
 * escalation must page. The silence matches every label of the alert exactly, so it silences this
 * alert and nothing else; its end time bounds it even if the execution dies before expiring it.
 */
export interface SilenceRequest {
  alert: Pick<AlertEvent, 'labels' | 'alertname'>;
  /** How long at most: the remediation's own time budget. */
  durationMinutes: number;
  executionId: string;
  now: Date;
}

export interface Silence {
  silenceId: string;
  endsAt: string;
}

type Fetch = HttpJsonOptions['fetch'];

export async function createSilence(
  alertmanagerUrl: string,
  request: SilenceRequest,
  fetch?: Fetch,
): Promise<Silence> {
  const endsAt = new Date(request.now.getTime() + request.durationMinutes * 60_000).toISOString();
  const body = {
    matchers: Object.entries(request.alert.labels).map(([name, value]) => ({
      name,
      value,
      isRegex: false,
      isEqual: true,
    })),
    startsAt: request.now.toISOString(),
    endsAt,
    createdBy: 'lakehouse-ops',
    comment: `remediation ${request.executionId} is acting on ${request.alert.alertname}`,
  };
  const created = await requestJson<{ silenceID?: string }>(
    `silence ${request.alert.alertname}`,
    `${trimSlash(alertmanagerUrl)}/api/v2/silences`,
    { method: 'POST', body, fetch },
  );
  if (!created?.silenceID) throw new Error(`Alertmanager created no silence for ${request.alert.alertname}`);
  return { silenceId: created.silenceID, endsAt };
}

/** Ends the silence now. One that has already expired or gone is fine: the goal holds. */
export async function expireSilence(
  alertmanagerUrl: string,
  silenceId: string,
  fetch?: Fetch,
): Promise<{ expired: boolean; state: string }> {
  const base = trimSlash(alertmanagerUrl);
  const current = await requestJson<{ status?: { state?: string } }>(
    `read silence ${silenceId}`,
    `${base}/api/v2/silence/${encodeURIComponent(silenceId)}`,
    { fetch },
  ).catch((error: unknown) => {
    if ((error as { details?: { status?: number } }).details?.status === 404) return undefined;
    throw error;
  });
  const state = current?.status?.state ?? 'gone';
  if (state !== 'active' && state !== 'pending') return { expired: false, state };
  await requestJson(
    `expire silence ${silenceId}`,
    `${base}/api/v2/silence/${encodeURIComponent(silenceId)}`,
    {
      method: 'DELETE',
      fetch,
    },
  );
  return { expired: true, state: 'expired' };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
