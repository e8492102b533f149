/**
 * The container image the PostgreSQL backup Jobs run: "pg-tools".
 *
 * Contents (Dockerfile in the platform's image repository): FROM postgres:15.8-bookworm (pg_dump,
 * pg_restore, psql, createdb and dropdb of the same major version as the Prefect database; dash as
 * /bin/sh; coreutils' sha256sum) plus AWS CLI v2 (2.17.x, the official installer) on PATH. It runs
 * as the image's `postgres` user (uid/gid 999) with a read-only root filesystem and a writable
 * emptyDir at /tmp, so nothing else is needed from it.
 *
 * The contract the Jobs rely on (functions/core/postgres/scripts.ts reads exactly this):
 * - `/bin/sh -c <script>`; no entrypoint is used.
 * - libpq's PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD (from a Secret) pick the server.
 * - AWS credentials come from the pod's service account (IRSA / EKS Pod Identity); AWS_REGION and,
 *   for an S3-compatible endpoint, S3_ENDPOINT_URL may be set.
 * - Dump: DUMP_BUCKET, DUMP_KEY, SIDECAR_KEY. Restore: DUMP_BUCKET, DUMP_KEY, EXPECTED_SHA256,
 *   TARGET_DATABASE, REPORT_KEY, DROP_AFTER_COUNTING (true | false).
 *
 * Pinned by version tag here; an environment that pins by digest passes `image` in the Job spec.
 * Locally, kube-sim runs containers of this repository through the host's PostgreSQL 15 client and
 * AWS CLI (local/postgres/pg-tools.ts).
 */
export const PG_TOOLS_IMAGE = 'ghcr.io/lakehouse-ops/pg-tools:15.8-awscli2.17.0';

/** The image's non-root user, which the pod's securityContext runs as. */
export const PG_TOOLS_UID = 999;
