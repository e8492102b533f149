/**
 * CPU time of the processes a copy runs on: the copying tool and the two s3rver endpoints. On this
 * 2-core machine the three share the cores, so their summed CPU over the cores is a floor on any
 * tool's wall time: the servers' share is set by the requests a tool makes, not by the tool.
 */
import { readFileSync } from 'node:fs';

/** Linux reports /proc/<pid>/stat times in USER_HZ ticks: 100 per second on every architecture Node supports. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds `pid` has used so far (Linux /proc; fields 14 and 15 of stat). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) {
    throw new Error(`cannot read CPU times of process ${pid} from /proc/${pid}/stat: ${stat.slice(0, 200)}`);
  }
  return (userTicks + systemTicks) / TICKS_PER_SECOND;
}

/** CPU seconds each of the server processes used while `run` ran. */
export async function serverCpuDuring<Result, Name extends string>(
  servers: Readonly<Record<Name, number>>,
  run: () => Promise<Result>,
): Promise<{ result: Result; serverCpuSeconds: Record<Name, number> }> {
  const names = Object.keys(servers) as Name[];
  const before = names.map((name) => processCpuSeconds(servers[name]));
  const result = await run();
  const serverCpuSeconds = Object.fromEntries(
    names.map((name, index) => [name, processCpuSeconds(servers[name]) - before[index]!]),
  ) as Record<Name, number>;
  return { result, serverCpuSeconds };
}

/**
 * Wraps a command so that its own CPU time is printed last on stderr: the POSIX shell's `times`
 * reports its children's user and system time, which Node's child_process does not expose.
 */
export function withCpuReport(command: string, args: readonly string[]): { command: string; args: string[] } {
  return {
    command: '/bin/sh',
    args: ['-c', '"$0" "$@"; status=$?; times >&2; exit $status', command, ...args],
  };
}

const TIMES_LINE = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/;

/** Splits the `times` report off a wrapped command's stderr: the children's user + system CPU seconds. */
export function takeCpuReport(stderr: string): { stderr: string; cpuSeconds: number } {
  const lines = stderr.trimEnd().split('\n');
  const children = TIMES_LINE.exec(lines.at(-1) ?? '');
  if (!children || lines.length < 2)
    throw new Error(`no CPU report (\`times\`) at the end of stderr: ${stderr.slice(-300)}`);
  const [, userMinutes, userSeconds, systemMinutes, systemSeconds] = children;
  const cpuSeconds =
    Number(userMinutes) * 60 + Number(userSeconds) + Number(systemMinutes) * 60 + Number(systemSeconds);
  return { stderr: lines.slice(0, -2).join('\n'), cpuSeconds };
}
