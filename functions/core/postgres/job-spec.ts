import * as z from 'zod/mini';
import { InvalidInputError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { PG_TOOLS_IMAGE } from './image.ts';

/**
 * What a caller says about a pg-tools Job. The values end up in a shell script's environment and in
 * hand-built JSON (scripts.ts), so names are held to characters that need no quoting anywhere.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const dnsLabel = () =>
  z.string().check(z.maxLength(63), z.regex(DNS_LABEL, 'must be a DNS label (a-z, 0-9, -)'));
const dnsSubdomain = () =>
  z.string().check(z.maxLength(253), z.regex(DNS_SUBDOMAIN, 'must be a DNS subdomain (a-z, 0-9, -, .)'));

/** A PostgreSQL database name that needs no quoting: letters, digits, underscores, at most 63. */
export const databaseNameSchema = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
      'must be letters, digits and _ (at most 63), not starting with a digit',
    ),
  );

export const s3LocationSchema = z.object({
  bucket: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
  key: z
    .string()
    .check(
      z.maxLength(900),
      z.regex(
        /^[A-Za-z0-9!_.*'()=+-][A-Za-z0-9!_.*'()=+/-]*$/,
        'must be an S3 key of safe characters (no spaces, quotes or backslashes), not starting with /',
      ),
    ),
});
export type S3Location = z.infer<typeof s3LocationSchema>;

/** libpq's default, and the Prefect chart's Service port. */
export const DEFAULT_POSTGRES_PORT = 5432;

export const postgresConnectionSchema = z.object({
  /** The Prefect database's Service, e.g. `prefect-postgresql.prefect.svc`. */
  host: nonEmptyString(),
  /** The Service's port (the Job's PGPORT). */
  port: z._default(z.number().check(z.int(), z.positive(), z.lte(65_535)), DEFAULT_POSTGRES_PORT),
  user: nonEmptyString(),
  /** The Secret holding the user's password (the Prefect chart's `prefect-postgresql`, key `postgres-password`). */
  passwordSecret: z.optional(z.object({ name: dnsSubdomain(), key: nonEmptyString() })),
});
export type PostgresConnection = z.input<typeof postgresConnectionSchema>;

const resourcesSchema = z.object({
  requests: z.record(z.string(), z.string()),
  limits: z.record(z.string(), z.string()),
});

/** Settings every pg-tools Job shares. */
export const jobSettingsShape = {
  namespace: dnsLabel(),
  /** The Job's name, unique per run (`pg-dump-<runId>`): a second create with it re-attaches. */
  name: dnsLabel(),
  image: z._default(nonEmptyString(), PG_TOOLS_IMAGE),
  /** Bound by IRSA / Pod Identity to a role that may read and write the backup bucket. */
  serviceAccountName: z.optional(dnsSubdomain()),
  connection: postgresConnectionSchema,
  region: z.optional(nonEmptyString()),
  /** Only for an S3-compatible endpoint; AWS S3 needs none. */
  s3EndpointUrl: z.optional(z.url()),
  activeDeadlineSeconds: z._default(z.number().check(z.int(), z.positive()), 3600),
  ttlSecondsAfterFinished: z._default(z.number().check(z.int(), z.nonnegative()), 86_400),
  /** The dump and the download are staged here (an emptyDir at /tmp). */
  scratchSizeLimit: z._default(nonEmptyString(), '20Gi'),
  resources: z._default(resourcesSchema, {
    requests: { cpu: '250m', memory: '256Mi', 'ephemeral-storage': '1Gi' },
    limits: { memory: '1Gi' },
  }),
};

export const pgDumpJobSpecSchema = z.object({
  ...jobSettingsShape,
  database: databaseNameSchema,
  destination: s3LocationSchema,
  /** A failed dump is tried once more by default: most failures are a restarting database. */
  backoffLimit: z._default(z.number().check(z.int(), z.nonnegative()), 1),
});
export type PgDumpJobSpec = z.input<typeof pgDumpJobSpecSchema>;
export type ParsedPgDumpJobSpec = z.output<typeof pgDumpJobSpecSchema>;

export const pgRestoreJobSpecSchema = z.object({
  ...jobSettingsShape,
  source: s3LocationSchema,
  targetDatabase: databaseNameSchema,
  /** verify-backup restores into a scratch database and drops it once counted. */
  dropAfterCounting: z._default(z.boolean(), false),
  /** Only check that `targetDatabase` does not exist (the restore workflow's preflight); no download. */
  checkTargetOnly: z._default(z.boolean(), false),
  /** Where the Job writes its report; `<dump key>.restore-<job name>.json` by default. */
  reportKey: z.optional(s3LocationSchema.shape.key),
  /** Never retried by default: a second attempt would find the first one's database. */
  backoffLimit: z._default(z.number().check(z.int(), z.nonnegative()), 0),
});
export type PgRestoreJobSpec = z.input<typeof pgRestoreJobSpecSchema>;
export type ParsedPgRestoreJobSpec = z.output<typeof pgRestoreJobSpecSchema>;

export function parseJobSpec<Schema extends z.core.$ZodType>(
  schema: Schema,
  spec: unknown,
  what: string,
): z.output<Schema> {
  return parseOrThrow(
    schema,
    spec,
    (problems) => new InvalidInputError(`the ${what} spec is invalid: ${problems.join('; ')}`, { problems }),
  );
}
