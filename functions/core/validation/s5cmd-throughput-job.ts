import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import { JOB_NAME_LABEL } from '../postgres/manifests.ts';

/**
 * The s5cmd throughput Job: created from the s5cmd executor's suspended CronJob template (its
 * service account, MinIO credentials mount, MINIO_ENDPOINT_URL, resources and placement), with
 * this script as the container's command. It writes THROUGHPUT_SIZE_MIB of random bytes to MinIO,
 * reads them back, proves the SHA-256 matches, deletes the object, and stores a result JSON
 * (result.json under the same prefix) that the Lambda reads; the same line goes to the log.
 *
 * What it needs from the s5cmd image (peakcom/s5cmd, Alpine based): the s5cmd binary at /s5cmd,
 * BusyBox sh, dd, sha256sum, wc and a `date` that prints nanoseconds (`+%N`). Only the two s5cmd
 * copies are timed; generating and hashing the data is not. Locally, kube-sim runs this script on
 * the host with a stand-in `s5cmd` earlier on PATH (local/s5cmd).
 */
export const S5CMD_THROUGHPUT_SCRIPT = `set -eu
# s5cmd is /s5cmd in its image; a stand-in earlier on PATH wins (the local kube-sim's).
PATH="$PATH:/"
case "$(date +%N)" in *[!0-9]*|'') echo "date cannot print nanoseconds: cannot time the transfer" >&2; exit 4;; esac
millis() { echo $(( $(date +%s%N) / 1000000 )); }
s5() { s5cmd --profile minio --endpoint-url "$MINIO_ENDPOINT_URL" "$@"; }
work="\${TMPDIR:-/tmp}/s5cmd-throughput"
mkdir -p "$work"
object="s3://$THROUGHPUT_BUCKET/$THROUGHPUT_PREFIX/payload"
dd if=/dev/urandom of="$work/payload" bs=1048576 count="$THROUGHPUT_SIZE_MIB" 2>/dev/null
started=$(millis)
s5 cp "$work/payload" "$object" >/dev/null
uploaded=$(millis)
s5 cp "$object" "$work/readback" >/dev/null
downloaded=$(millis)
s5 rm "$object" >/dev/null || echo "warning: could not delete $object" >&2
written=$(sha256sum < "$work/payload" | cut -d ' ' -f 1)
read_back=$(sha256sum < "$work/readback" | cut -d ' ' -f 1)
if [ "$written" != "$read_back" ]; then
  echo "the object read back differs from the one written: sha256 $read_back, expected $written" >&2
  exit 3
fi
bytes=$(( $(wc -c < "$work/readback") ))
printf '{"format":"lakehouse-ops/s5cmd-throughput@1","bytes":%d,"uploadMs":%d,"downloadMs":%d,"sha256":"%s"}\\n' \\
  "$bytes" "$((uploaded - started))" "$((downloaded - uploaded))" "$written" > "$work/result.json"
s5 cp "$work/result.json" "s3://$THROUGHPUT_BUCKET/$THROUGHPUT_PREFIX/result.json" >/dev/null
cat "$work/result.json"
`;

export const throughputResultSchema = z.object({
  format: z.literal('lakehouse-ops/s5cmd-throughput@1'),
  bytes: z.number().check(z.int(), z.positive()),
  uploadMs: z.number().check(z.int(), z.nonnegative()),
  downloadMs: z.number().check(z.int(), z.nonnegative()),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});
export type ThroughputResult = z.infer<typeof throughputResultSchema>;

export interface ThroughputJobSpec {
  /** The executor's CronJob, whose jobTemplate the Job copies. */
  template: V1CronJob;
  name: string;
  bucket: string;
  /** Where the payload and result.json go, below the bucket. */
  prefix: string;
  sizeMiB: number;
  /** The Job is stopped after this long, whether or not the Lambda still waits. */
  activeDeadlineSeconds: number;
}

/** Kept a while after it ends, so an operator can read the pod's log; then Kubernetes removes it. */
const TTL_AFTER_FINISHED_SECONDS = 3600;

export function resultKeyOf(prefix: string): string {
  return `${prefix}/result.json`;
}

/**
 * The Job, or a description of what is missing from the template (no jobTemplate, no container).
 * The first container is the s5cmd one; others (sidecars) are kept as the template has them.
 */
export function throughputJobManifest(spec: ThroughputJobSpec): V1Job | string {
  const { template } = spec;
  const jobTemplate = template.spec?.jobTemplate;
  const podTemplate = jobTemplate?.spec?.template;
  const [transfer, ...others] = podTemplate?.spec?.containers ?? [];
  const where = `CronJob ${template.metadata?.namespace}/${template.metadata?.name}`;
  if (!podTemplate?.spec || !transfer) return `${where} has no jobTemplate with a container to run`;

  const labels = {
    ...podTemplate.metadata?.labels,
    'app.kubernetes.io/component': 's5cmd-throughput',
    [JOB_NAME_LABEL]: spec.name,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: spec.name,
      namespace: template.metadata?.namespace ?? '',
      labels,
      annotations: { 'lakehouse-ops.io/created-from': `cronjob/${template.metadata?.name}` },
    },
    spec: {
      // A retried measurement would hide a failure; the check reports it instead.
      backoffLimit: 0,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      ttlSecondsAfterFinished: TTL_AFTER_FINISHED_SECONDS,
      template: {
        metadata: { ...podTemplate.metadata, labels },
        spec: {
          ...podTemplate.spec,
          restartPolicy: 'Never',
          containers: [
            {
              ...transfer,
              command: ['/bin/sh', '-c', S5CMD_THROUGHPUT_SCRIPT],
              args: [],
              env: [
                ...(transfer.env ?? []),
                { name: 'THROUGHPUT_BUCKET', value: spec.bucket },
                { name: 'THROUGHPUT_PREFIX', value: spec.prefix },
                { name: 'THROUGHPUT_SIZE_MIB', value: String(spec.sizeMiB) },
              ],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
            ...others,
          ],
        },
      },
    },
  };
}
