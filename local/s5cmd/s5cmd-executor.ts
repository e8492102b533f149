/**
 * The s5cmd image (cluster-manifests/src/images.ts) for kube-sim: Job containers run their own
 * `/bin/sh -c` script on this machine. s5cmd itself is not installable here (no Debian package, no
 * npm package, and its releases are downloads from GitHub), so a stand-in `s5cmd` earlier on PATH
 * carries out the subset the Jobs use (cp and rm, with --endpoint-url) with the AWS CLI: the
 * bytes really travel to and from the local MinIO, and what a Job measures is that transfer.
 * AWS CLI startup (about half a second per command) counts in the measured time, where real
 * s5cmd starts in milliseconds, so local rates are lower than the tool's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostCommandExecutor, imageRepository, type JobExecutorRegistry } from '../kube-sim/job-executors.ts';
import { AWS_CLI, ensureSystemBinaries } from '../system/debian-packages.ts';

/** The image the s5cmd executor's CronJob template runs (any tag or digest matches). */
export const S5CMD_IMAGE_REPOSITORY = 'peakcom/s5cmd';

export interface S5cmdExecutorOptions {
  /** The local MinIO: what the Job's MINIO_ENDPOINT_URL (the in-cluster Service) reaches here. */
  minio: { endpoint: string; accessKeyId: string; secretAccessKey: string; region?: string };
  /** A container still running after this long is killed (default 2 minutes). */
  timeoutMs?: number;
}

export interface S5cmdJobExecutors {
  readonly jobExecutors: JobExecutorRegistry;
  /** Removes the stand-in's directory. */
  stop(): Promise<void>;
}

/**
 * POSIX sh: global flags first, then the command, as s5cmd takes them. `--profile` is dropped:
 * locally the credentials come from the environment, as the pod identity's would.
 */
const S5CMD_STAND_IN = `#!/bin/sh
set -eu
endpoint=""
while [ $# -gt 0 ]; do
  case "$1" in
    --endpoint-url) endpoint="$2"; shift 2 ;;
    --endpoint-url=*) endpoint="\${1#*=}"; shift ;;
    --profile|--credentials-file|--log|--numworkers|--retry-count) shift 2 ;;
    --json|--stat|--no-verify-ssl) shift ;;
    -*) echo "s5cmd (local stand-in): unsupported flag $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "s5cmd (local stand-in): no command" >&2; exit 2; }
command="$1"; shift
case "$command" in
  cp|rm) ;;
  version) echo "v2.3.0 (lakehouse-ops local stand-in: AWS CLI)"; exit 0 ;;
  *) echo "s5cmd (local stand-in): unsupported command $command" >&2; exit 2 ;;
esac
if [ -n "$endpoint" ]; then set -- --endpoint-url "$endpoint" s3 "$command" --only-show-errors "$@"
else set -- s3 "$command" --only-show-errors "$@"; fi
exec ${AWS_CLI.command} "$@"
`;

/** The kube-sim `jobExecutors` entry for the s5cmd image, and the stand-in's directory to remove. */
export function s5cmdJobExecutors(options: S5cmdExecutorOptions): S5cmdJobExecutors {
  ensureSystemBinaries([AWS_CLI]);
  const directory = mkdtempSync(join(tmpdir(), 'lakehouse-s5cmd-'));
  writeFileSync(join(directory, 's5cmd'), S5CMD_STAND_IN, { mode: 0o755 });
  const { minio } = options;
  const run = hostCommandExecutor({
    path: [directory, '/usr/bin', '/bin'].join(':'),
    timeoutMs: options.timeoutMs ?? 120_000,
    environment: {
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
      AWS_REGION: minio.region ?? 'us-east-1',
      AWS_PAGER: '',
    },
  });
  return {
    jobExecutors: {
      // kube-sim has no cluster DNS: the in-cluster MinIO Service the Job names is the local MinIO.
      [imageRepository(S5CMD_IMAGE_REPOSITORY)]: (container) =>
        run({
          ...container,
          env: {
            ...container.env,
            MINIO_ENDPOINT_URL: minio.endpoint,
            // The template's mounted credentials file does not exist here; the environment's keys apply.
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          },
        }),
    },
    stop: async () => rmSync(directory, { recursive: true, force: true }),
  };
}
