/**
 * Turns the measured rounds into the recorded result: medians per tool, ratios against rclone, the
 * three targets of issue 3 with a verdict each, and the Markdown tables bench/README.md records.
 */
import type { ToolName, ToolRound } from './copy-comparison.ts';
import type { CopyCoreTuning } from './copy-core-child.ts';
import type { MemoryRun } from './peak-memory.ts';
import { MIB, median, mibPerSecond } from './statistics.ts';
import type { MeasuredSyncRun } from './timed-process.ts';

export const TARGETS = {
  /** Full copy throughput, as a multiple of rclone's. */
  fullCopyVsRclone: 1.5,
  /** No-change re-run time, as a fraction of `rclone sync --checksum`'s. */
  rerunVsRcloneChecksum: 0.5,
  /** Peak RSS growth from the smallest to the largest memory run. */
  memoryGrowth: 0.2,
} as const;

export interface ToolSummary {
  readonly label: string;
  readonly fullCopySeconds?: number;
  readonly fullCopyMiBPerSecond?: number;
  readonly fullCopyVsRclone?: number;
  readonly rerunSeconds?: number;
  readonly rerunVsRcloneChecksum?: number;
}

export interface TargetVerdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Median CPU seconds of one kind of run: the tool's own and each s3rver's (bench/backup/process-cpu.ts). */
export interface CpuSummary {
  readonly label: string;
  readonly seconds: number;
  readonly tool: number;
  readonly sourceServer: number;
  readonly destinationServer: number;
  /** All three over the machine's cores: no tool making the same requests can be faster than this. */
  readonly floorSeconds: number;
}

export interface BackupBenchSummary {
  readonly tools: ToolSummary[];
  readonly cpu: CpuSummary[];
  readonly memory: (MemoryRun & { readonly growthVsFirst: number })[];
  readonly targets: TargetVerdict[];
}

export function summarise(
  rounds: readonly ToolRound[],
  memory: readonly MemoryRun[],
  bytes: number,
  cores: number,
  tunedTuning: CopyCoreTuning = {},
): BackupBenchSummary {
  const of = (tool: ToolName) => rounds.filter((round) => round.tool === tool);
  const medianOf = (tool: ToolName, pick: (round: ToolRound) => number | undefined): number => {
    const values = of(tool).flatMap((round) => pick(round) ?? []);
    return median(values);
  };
  const rcloneFull = medianOf('rclone', (round) => round.fullCopy.seconds);
  const rcloneChecksumRerun = medianOf('rclone', (round) => round.rerunChecksum?.seconds);
  const row = (
    label: string,
    fullCopySeconds: number | undefined,
    rerunSeconds: number | undefined,
  ): ToolSummary => ({
    label,
    ...(fullCopySeconds === undefined
      ? {}
      : {
          fullCopySeconds,
          fullCopyMiBPerSecond: mibPerSecond(bytes, fullCopySeconds),
          fullCopyVsRclone: rcloneFull / fullCopySeconds,
        }),
    ...(rerunSeconds === undefined
      ? {}
      : { rerunSeconds, rerunVsRcloneChecksum: rerunSeconds / rcloneChecksumRerun }),
  });

  const tuned = rounds.some((round) => round.tool === 'lakehouse-ops-tuned');
  const coreFull = medianOf('lakehouse-ops', (round) => round.fullCopy.seconds);
  const coreRerun = medianOf('lakehouse-ops', (round) => round.rerun.seconds);
  const tools = [
    row('lakehouse-ops copy core (backupBucket)', coreFull, coreRerun),
    row(
      'lakehouse-ops, whole process (Node start-up included)',
      medianOf('lakehouse-ops', (round) => round.fullCopyProcessSeconds),
      medianOf('lakehouse-ops', (round) => round.rerunProcessSeconds),
    ),
    ...(tuned
      ? [
          row(
            `lakehouse-ops copy core, tuned ${JSON.stringify(tunedTuning)}`,
            medianOf('lakehouse-ops-tuned', (round) => round.fullCopy.seconds),
            medianOf('lakehouse-ops-tuned', (round) => round.rerun.seconds),
          ),
        ]
      : []),
    row(
      'rclone sync (size + modtime)',
      rcloneFull,
      medianOf('rclone', (round) => round.rerun.seconds),
    ),
    row('rclone sync --checksum (MD5)', undefined, rcloneChecksumRerun),
    row(
      'aws s3 sync (one endpoint, server-side CopyObject)',
      medianOf('aws-cli', (round) => round.fullCopy.seconds),
      medianOf('aws-cli', (round) => round.rerun.seconds),
    ),
  ];

  const cpuRow = (label: string, tool: ToolName, pick: (round: ToolRound) => MeasuredSyncRun | undefined) => {
    const runs = of(tool).flatMap((round) => pick(round) ?? []);
    if (runs.length === 0) return [];
    const toolCpu = median(runs.map((run) => run.cpuSeconds));
    const sourceServer = median(runs.map((run) => run.serverCpuSeconds.source));
    const destinationServer = median(runs.map((run) => run.serverCpuSeconds.destination));
    return [
      {
        label,
        seconds: median(runs.map((run) => run.seconds)),
        tool: toolCpu,
        sourceServer,
        destinationServer,
        floorSeconds: (toolCpu + sourceServer + destinationServer) / cores,
      },
    ];
  };
  const cpu: CpuSummary[] = [
    ...cpuRow('lakehouse-ops copy core, full copy', 'lakehouse-ops', (round) => round.fullCopy),
    ...cpuRow('rclone sync, full copy', 'rclone', (round) => round.fullCopy),
    ...cpuRow('aws s3 sync (server-side), full copy', 'aws-cli', (round) => round.fullCopy),
    ...cpuRow('lakehouse-ops copy core, no-change re-run', 'lakehouse-ops', (round) => round.rerun),
    ...cpuRow('rclone sync --checksum, no-change re-run', 'rclone', (round) => round.rerunChecksum),
  ];

  const baseline = memory[0];
  const memoryRows = memory.map((run) => ({
    ...run,
    growthVsFirst: baseline ? run.maxRssBytes / baseline.maxRssBytes - 1 : 0,
  }));
  const largest = memoryRows.at(-1);
  const targets: TargetVerdict[] = [
    {
      target: `full copy >= ${TARGETS.fullCopyVsRclone}x rclone's throughput`,
      measured: `${(rcloneFull / coreFull).toFixed(2)}x`,
      met: rcloneFull / coreFull >= TARGETS.fullCopyVsRclone,
    },
    {
      target: `no-change re-run <= ${TARGETS.rerunVsRcloneChecksum}x rclone --checksum's time`,
      measured: `${(coreRerun / rcloneChecksumRerun).toFixed(2)}x`,
      met: coreRerun / rcloneChecksumRerun <= TARGETS.rerunVsRcloneChecksum,
    },
  ];
  if (baseline && largest && memoryRows.length > 1) {
    targets.push({
      target: `peak RSS within ${TARGETS.memoryGrowth * 100} % from ${baseline.objects} to ${largest.objects} objects`,
      measured: `${signedPercent(largest.growthVsFirst)}`,
      met: Math.abs(largest.growthVsFirst) <= TARGETS.memoryGrowth,
    });
  }
  return { tools, cpu, memory: memoryRows, targets };
}

export function markdown(summary: BackupBenchSummary): string {
  const tables = [
    table(
      [
        'tool',
        'full copy (s)',
        'MiB/s',
        'throughput vs rclone',
        'no-change re-run (s)',
        're-run vs rclone --checksum',
      ],
      summary.tools.map((tool) => [
        tool.label,
        fixed(tool.fullCopySeconds, 2),
        fixed(tool.fullCopyMiBPerSecond, 1),
        ratio(tool.fullCopyVsRclone),
        fixed(tool.rerunSeconds, 2),
        ratio(tool.rerunVsRcloneChecksum),
      ]),
    ),
    table(
      [
        'run (medians)',
        'wall (s)',
        'tool CPU (s)',
        'source s3rver CPU (s)',
        'destination s3rver CPU (s)',
        'floor: all CPU / cores (s)',
      ],
      summary.cpu.map((row) => [
        row.label,
        ...[row.seconds, row.tool, row.sourceServer, row.destinationServer, row.floorSeconds].map((value) =>
          value.toFixed(2),
        ),
      ]),
    ),
    table(
      [
        'objects (1 KiB each)',
        'full backup (s)',
        'objects/s',
        'idle RSS (MiB)',
        'peak RSS (MiB)',
        'peak vs first',
      ],
      summary.memory.map((run) => [
        run.objects.toLocaleString('en-US'),
        run.seconds.toFixed(1),
        (run.objects / run.seconds).toFixed(0),
        (run.idleRssBytes / MIB).toFixed(1),
        (run.maxRssBytes / MIB).toFixed(1),
        signedPercent(run.growthVsFirst),
      ]),
      { firstColumn: 'right' },
    ),
    table(
      ['target (issue 3)', 'measured', 'met'],
      summary.targets.map((target) => [target.target, target.measured, target.met ? 'yes' : 'no']),
      { lastColumn: 'left' },
    ),
  ];
  return tables.filter((lines) => lines !== undefined).join('\n\n');
}

/** A Markdown table, numbers right-aligned; undefined when there are no rows. */
function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: { firstColumn?: 'right'; lastColumn?: 'left' } = {},
): string | undefined {
  if (rows.length === 0) return undefined;
  const alignment = header.map((_, index) => {
    if (index === 0) return align.firstColumn === 'right' ? '---:' : '---';
    return index === header.length - 1 && align.lastColumn === 'left' ? '---' : '---:';
  });
  return [header, alignment, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

function ratio(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(2)}x`;
}

function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)} %`;
}
