/**
 * The shell programs the pg-tools Job containers run (`/bin/sh -c <script>`; POSIX sh, as Debian's
 * dash runs it). They read everything from the container's environment (see image.ts for the
 * contract), so the same Job spec runs on EKS and, locally, under kube-sim's job executor.
 */

/** Exit code of the restore Job when the downloaded dump's SHA-256 is not the sidecar's (EX_DATAERR). */
export const EXIT_CHECKSUM_MISMATCH = 65;
/** Exit code of the restore Job when the target database already exists (EX_CANTCREAT). */
export const EXIT_TARGET_EXISTS = 73;

/**
 * Rows per ordinary table as one JSON object keyed `schema.table`. query_to_xml runs each count
 * inside the calling transaction, so the counts see that transaction's snapshot.
 */
const ROW_COUNTS_SQL = `SELECT coalesce(json_object_agg(
  format('%s.%s', schemaname, tablename),
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', schemaname, tablename), false, true, '')))[1]::text::bigint
  ORDER BY schemaname, tablename), '{}')
FROM pg_tables WHERE schemaname !~ '^pg_' AND schemaname <> 'information_schema';`;

/** Shared by both scripts: a private scratch directory, and `aws s3` honouring S3_ENDPOINT_URL. */
const PRELUDE = `set -eu
work=$(mktemp -d)
# The root filesystem is read-only: the AWS CLI keeps its cache under HOME.
export HOME="$work"
cd "$work"
s3() {
  if [ -n "\${S3_ENDPOINT_URL:-}" ]; then aws --endpoint-url "$S3_ENDPOINT_URL" s3 "$@"; else aws s3 "$@"; fi
}
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
psql_json() { psql --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 "$@"; }
`;

/**
 * pg_dump in custom format, consistent with its row counts: one REPEATABLE READ transaction
 * exports its snapshot, pg_dump --snapshot dumps exactly that snapshot while the transaction stays
 * open, and the counts run inside the same transaction. (Counting in a separate transaction just
 * before or after would race with Prefect's writes and make verify-backup flag healthy backups.)
 * The sidecar is uploaded last: a dump without a sidecar is an incomplete backup.
 */
export const PG_DUMP_SCRIPT = `${PRELUDE}
started=$(now)
echo "pg_dump: database $PGDATABASE on $PGHOST:\${PGPORT:-5432} -> s3://$DUMP_BUCKET/$DUMP_KEY"
psql_json --output=row-counts.json <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot() AS snapshot \\gset
\\setenv PGDUMP_SNAPSHOT :snapshot
\\! pg_dump --format=custom --snapshot="$PGDUMP_SNAPSHOT" --file=database.dump && touch database.dump.complete
${ROW_COUNTS_SQL}
COMMIT;
SQL
if [ ! -f database.dump.complete ]; then echo "pg_dump failed (see above)" >&2; exit 1; fi
sha256=$(sha256sum database.dump | cut -d' ' -f1)
bytes=$(wc -c < database.dump | tr -d ' ')
version=$(pg_dump --version | cut -d' ' -f3)
printf '{"format":"lakehouse-ops/pg-dump@1","database":"%s","bucket":"%s","key":"%s","sha256":"%s","bytes":%s,"rowCounts":%s,"pgDumpVersion":"%s","startedAt":"%s","completedAt":"%s"}\\n' \\
  "$PGDATABASE" "$DUMP_BUCKET" "$DUMP_KEY" "$sha256" "$bytes" "$(cat row-counts.json)" "$version" "$started" "$(now)" > sidecar.json
s3 cp database.dump "s3://$DUMP_BUCKET/$DUMP_KEY" --metadata "sha256=$sha256" --only-show-errors
s3 cp sidecar.json "s3://$DUMP_BUCKET/$SIDECAR_KEY" --content-type application/json --only-show-errors
echo "pg_dump: uploaded $bytes bytes, sha256 $sha256"
cat sidecar.json
`;

/**
 * Make sure the target database does not exist yet (a restore never overwrites; checked first, so a
 * refusal costs no download), download, prove the checksum, restore, count rows, upload the report.
 * With CHECK_TARGET_ONLY=true the script stops after the existence check (exit 0: absent), so the
 * restore workflow refuses an existing database before it writes anything, through the same Job.
 * The database the script created is dropped again when the restore fails or is stopped at the
 * Job's deadline (a re-run then finds no leftover), and a scratch one in any case; one that existed
 * before is never touched, as the trap is set only once createdb has succeeded.
 */
export const PG_RESTORE_SCRIPT = `${PRELUDE}
started=$(now)
echo "pg_restore: s3://$DUMP_BUCKET/$DUMP_KEY -> database $TARGET_DATABASE on $PGHOST:\${PGPORT:-5432}"
exists=$(psql_json --dbname=postgres --set=target="$TARGET_DATABASE" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'target';
SQL
)
if [ -n "$exists" ]; then
  echo "database $TARGET_DATABASE already exists: a restore only creates a new database" >&2
  exit ${EXIT_TARGET_EXISTS}
fi
if [ "\${CHECK_TARGET_ONLY:-false}" = true ]; then
  echo "pg_restore: database $TARGET_DATABASE does not exist yet (check only)"
  exit 0
fi
s3 cp "s3://$DUMP_BUCKET/$DUMP_KEY" database.dump --only-show-errors
sha256=$(sha256sum database.dump | cut -d' ' -f1)
if [ "$sha256" != "$EXPECTED_SHA256" ]; then
  echo "sha256 mismatch: s3://$DUMP_BUCKET/$DUMP_KEY has sha256 $sha256, its sidecar says $EXPECTED_SHA256" >&2
  exit ${EXIT_CHECKSUM_MISMATCH}
fi
createdb --maintenance-db=postgres "$TARGET_DATABASE"
restored=false
# --force: only the database this script created is ever dropped (the trap is set after createdb),
# and a killed step's server session may still hold it for a moment.
trap 'if [ "$restored" != true ] || [ "\${DROP_AFTER_COUNTING:-false}" = true ]; then dropdb --maintenance-db=postgres --if-exists --force "$TARGET_DATABASE" && echo "pg_restore: dropped $TARGET_DATABASE"; fi' EXIT
# At the Job's deadline Kubernetes sends TERM to PID 1 only: this shell. POSIX sh runs a trap only
# once its foreground command has ended, so the long steps run in the background under \`wait\`,
# which the signal interrupts. The trap stops the step, waits for it, and exits through the EXIT
# trap above. \`wait\` returns the step's status, so set -e still stops the script when it fails.
step=
interruptible() {
  "$@" &
  step=$!
  wait "$step"
  step=
}
interrupted() {
  if [ -n "$step" ]; then
    kill "$step" 2>/dev/null || true
    wait "$step" || true
  fi
  exit "$1"
}
trap 'interrupted 143' TERM
trap 'interrupted 130' INT
interruptible pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname="$TARGET_DATABASE" database.dump
# A background command reads /dev/null, not a here-document: the query goes in as a file.
cat > row-counts.sql <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
${ROW_COUNTS_SQL}
COMMIT;
SQL
interruptible psql_json --dbname="$TARGET_DATABASE" --output=row-counts.json --file=row-counts.sql
printf '{"format":"lakehouse-ops/pg-restore@1","targetDatabase":"%s","bucket":"%s","key":"%s","sha256":"%s","rowCounts":%s,"droppedAfterCounting":%s,"startedAt":"%s","completedAt":"%s"}\\n' \\
  "$TARGET_DATABASE" "$DUMP_BUCKET" "$DUMP_KEY" "$sha256" "$(cat row-counts.json)" "\${DROP_AFTER_COUNTING:-false}" "$started" "$(now)" > report.json
# A database counts as restored only once its report is uploaded: the report's row counts are what
# the workflow compares, and a database kept without one would be unverified and would make the
# re-run of the failed restore refuse (target exists). So a report that cannot be uploaded drops
# even a named database; a transient S3 failure must not cost a finished restore, hence the
# attempts on top of the AWS CLI's own retries.
attempt=1
until s3 cp report.json "s3://$DUMP_BUCKET/$REPORT_KEY" --content-type application/json --only-show-errors; do
  if [ "$attempt" -ge 3 ]; then
    echo "pg_restore: the report could not be uploaded to s3://$DUMP_BUCKET/$REPORT_KEY ($attempt attempts)" >&2
    exit 1
  fi
  interruptible sleep $((attempt * 5))
  attempt=$((attempt + 1))
done
restored=true
cat report.json
`;
