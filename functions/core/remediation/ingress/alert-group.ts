import * as z from 'zod/mini';
import { InvalidInputError, namedError } from '../../../commons/errors.ts';
import { describeSchemaProblems, safeParseWithMessages } from '../../../commons/schema-problems.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { alertStatusSchema, type LabelSet, labelSetSchema, rfc3339Time } from '../alert-event.ts';

/**
 * The two shapes a group of alerts arrives in, parsed into one `AlertGroup`:
 *
 * - Alertmanager's webhook, payload version 4 (prometheus/alertmanager notify/webhook: `Message`
 *   embeds template.Data plus version, groupKey and truncatedAlerts).
 * - Amazon Managed Prometheus through SNS. AMP's default SNS message is a plain-text list; the
 *   JSON that AWS documents (AMP-alertmanager-receiver-JSON) is a Go template that writes the same
 *   fields minus version, groupKey and truncatedAlerts, leaves out empty label sets, and prints
 *   times with Go's `time.Time.String()` (`2026-11-26 01:00:00.123 +0000 UTC`). A message that
 *   carries the whole webhook JSON is accepted too.
 *
 * Unknown fields are ignored, not refused: Alertmanager adds fields between releases, and a 400
 * for a new field would stop every alert.
 */
export interface GroupAlert {
  status: 'firing' | 'resolved';
  labels: LabelSet & { alertname: string };
  annotations: LabelSet;
  /** RFC 3339, as Alertmanager's JSON writes it (AMP's Go-format times are converted). */
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertGroup {
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey?: string | undefined;
  externalURL?: string | undefined;
  /** Alerts Alertmanager left out of this delivery because of the receiver's max_alerts. */
  truncatedAlerts: number;
  alerts: GroupAlert[];
}

export type AlertGroupFormat = 'alertmanager-webhook' | 'amp-sns';

/** The payload is not JSON or not an alert group; `details.problems` names each field. */
export class InvalidAlertPayloadError extends namedError('InvalidAlertPayloadError', InvalidInputError) {}

/** Alertmanager's fingerprint: the label set's 64-bit hash in hex (`%016x`). */
const fingerprintSchema = z
  .string()
  .check(z.regex(/^[0-9a-f]{1,64}$/, 'expected the hexadecimal fingerprint Alertmanager computes'));

/** Every Prometheus alert has an `alertname` label; the routing keys on it. */
const alertLabelsSchema = z.catchall(z.object({ alertname: nonEmptyString() }), z.string());

const webhookAlertSchema = z.object({
  status: alertStatusSchema,
  labels: alertLabelsSchema,
  annotations: labelSetSchema,
  startsAt: rfc3339Time(),
  endsAt: rfc3339Time(),
  generatorURL: z.string(),
  fingerprint: fingerprintSchema,
});

const webhookPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  // Added in Alertmanager 0.22 with max_alerts; older senders omit it.
  truncatedAlerts: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  status: alertStatusSchema,
  receiver: z.string(),
  groupLabels: labelSetSchema,
  commonLabels: labelSetSchema,
  commonAnnotations: labelSetSchema,
  externalURL: z.string(),
  alerts: z.array(webhookAlertSchema).check(z.minLength(1, 'expected at least one alert')),
});

/** `2006-01-02 15:04:05.999999999 -0700 MST`, optionally followed by Go's monotonic clock reading. */
const GO_TIME =
  /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-])(\d{2})(\d{2})(?: [A-Za-z0-9+-]+)?(?: m=[+-]\d+\.\d+)?$/;

/** A Go `time.Time.String()` as RFC 3339 (UTC as `Z`, as Go's JSON encoding writes it); else undefined. */
export function goTimeToRfc3339(text: string): string | undefined {
  const match = GO_TIME.exec(text);
  if (!match) return undefined;
  const [, date, time, sign, hours, minutes] = match;
  const offset = hours === '00' && minutes === '00' ? 'Z' : `${sign}${hours}:${minutes}`;
  return `${date}T${time}${offset}`;
}

const rfc3339Check = rfc3339Time();

/** AMP's template prints Go's time format; a webhook-shaped message has RFC 3339 already. */
const ampTimeSchema = z.pipe(
  z.string(),
  z.transform((text: string, context) => {
    if (z.safeParse(rfc3339Check, text).success) return text;
    const converted = goTimeToRfc3339(text);
    if (converted !== undefined) return converted;
    context.issues.push({
      code: 'custom',
      message: 'expected an RFC 3339 time or Go\'s time format ("2006-01-02 15:04:05 +0000 UTC")',
      input: text,
    });
    return z.NEVER;
  }),
);

const ampAlertSchema = z.object({
  status: alertStatusSchema,
  labels: alertLabelsSchema,
  // AMP's template writes no "annotations" key when an alert has none.
  annotations: z._default(labelSetSchema, {}),
  startsAt: ampTimeSchema,
  endsAt: ampTimeSchema,
  generatorURL: z._default(z.string(), ''),
  fingerprint: fingerprintSchema,
});

const ampMessageSchema = z.object({
  version: z.optional(z.literal('4')),
  groupKey: z.optional(z.string()),
  truncatedAlerts: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  status: alertStatusSchema,
  receiver: z.string(),
  externalURL: z.optional(z.string()),
  alerts: z.array(ampAlertSchema).check(z.minLength(1, 'expected at least one alert')),
});

const schemas = { 'alertmanager-webhook': webhookPayloadSchema, 'amp-sns': ampMessageSchema } as const;

/** Parses a delivered body; throws InvalidAlertPayloadError naming every problem by its path. */
export function parseAlertGroup(text: string, format: AlertGroupFormat): AlertGroup {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidAlertPayloadError(`the ${describeFormat(format)} is not JSON`, {
      problems: [`(root): not JSON: ${(error as Error).message}`],
    });
  }
  const result = safeParseWithMessages(schemas[format], json);
  if (!result.success) {
    const problems = describeSchemaProblems(result.error.issues, { showInput: true });
    throw new InvalidAlertPayloadError(`the ${describeFormat(format)} is not a valid alert group`, {
      problems,
    });
  }
  return toAlertGroup(result.data);
}

function toAlertGroup(payload: z.output<(typeof schemas)[AlertGroupFormat]>): AlertGroup {
  const { receiver, status, groupKey, externalURL, truncatedAlerts, alerts } = payload;
  return {
    receiver,
    status,
    ...(groupKey === undefined ? {} : { groupKey }),
    ...(externalURL === undefined ? {} : { externalURL }),
    truncatedAlerts,
    alerts,
  };
}

function describeFormat(format: AlertGroupFormat): string {
  return format === 'alertmanager-webhook'
    ? 'Alertmanager webhook payload (version 4)'
    : "Amazon Managed Prometheus SNS message (AMP's JSON template)";
}
