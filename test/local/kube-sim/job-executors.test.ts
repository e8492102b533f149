import { afterEach, describe, expect, it } from 'vitest';
import {
  hostCommandExecutor,
  imageRepository,
  type JobExecutor,
  type KubeObject,
  type KubeSim,
  type Pod,
  startKubeSim,
} from '../../../local/kube-sim/index.ts';

const IMAGE = 'ghcr.io/example/worker:1.2.3';
const NODES = [{ name: 'node-a', nodeGroup: 'core' }];

function job(name: string, container: Record<string, unknown>) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'jobs' },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { job: name } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: IMAGE, ...container }] },
      },
    },
  };
}

function jobCondition(sim: KubeSim, name: string): string | undefined {
  const found = sim.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
    'batch/v1',
    'Job',
    name,
    'jobs',
  );
  return found?.status?.conditions?.find(
    (condition) => ['Complete', 'Failed'].includes(condition.type) && condition.status === 'True',
  )?.type;
}

function podOf(sim: KubeSim, name: string): Pod {
  const [pod] = sim.list<Pod>('v1', 'Pod', 'jobs', `job=${name}`);
  if (!pod) throw new Error(`no pod for job ${name}`);
  return pod;
}

async function podLog(sim: KubeSim, pod: Pod): Promise<string> {
  const response = await fetch(`${sim.url}/api/v1/namespaces/jobs/pods/${pod.metadata.name}/log`, {
    headers: { authorization: `Bearer ${sim.token}` },
  });
  return response.text();
}

describe('job executors', () => {
  let sim: KubeSim | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('keeps the pod Running while the executor works, then completes the Job with its log', async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: Parameters<JobExecutor>[0][] = [];
    sim = await startKubeSim({
      nodes: NODES,
      jobExecutors: {
        'ghcr.io/example/worker': async (run) => {
          seen.push(run);
          await released;
          return { exitCode: 0, log: 'did the work\n' };
        },
      },
    });
    sim.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'jobs' },
      stringData: { password: 's3cret' },
    });
    sim.apply(
      job('work', {
        env: [
          { name: 'PLAIN', value: 'one' },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        ],
      }),
    );

    expect(podOf(sim, 'work').status?.phase).toBe('Running');
    expect(jobCondition(sim, 'work')).toBeUndefined();
    release();
    await sim.jobExecutions.idle();

    const pod = podOf(sim, 'work');
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(jobCondition(sim, 'work')).toBe('Complete');
    expect(await podLog(sim, pod)).toBe('did the work\n');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.env).toEqual({ PLAIN: 'one', PASSWORD: 's3cret', POD_NAMESPACE: 'jobs' });
  });

  it('fails the Job with the exit code and the log tail as termination message when the container fails', async () => {
    sim = await startKubeSim({
      nodes: NODES,
      jobExecutors: { [IMAGE]: hostCommandExecutor({ path: '/usr/bin:/bin' }) },
    });
    sim.apply(
      job('broken', {
        command: ['/bin/sh', '-c', 'echo "starting $WHAT"; echo "cannot connect" >&2; exit 42'],
        env: [{ name: 'WHAT', value: 'backup' }],
        terminationMessagePolicy: 'FallbackToLogsOnError',
      }),
    );
    await sim.jobExecutions.idle();

    const pod = podOf(sim, 'broken');
    expect(pod.status?.phase).toBe('Failed');
    expect(pod.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({
      exitCode: 42,
      reason: 'Error',
      message: 'starting backup\ncannot connect',
    });
    expect(jobCondition(sim, 'broken')).toBe('Failed');
    expect(await podLog(sim, pod)).toBe('starting backup\ncannot connect\n');
  });

  it('fails the container with the kubelet message when a referenced secret is missing', async () => {
    const executed: string[] = [];
    sim = await startKubeSim({
      nodes: NODES,
      jobExecutors: {
        [IMAGE]: async (run) => {
          executed.push(run.pod);
          return { exitCode: 0, log: '' };
        },
      },
    });
    sim.apply(
      job('no-secret', { env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }] }),
    );
    await sim.jobExecutions.idle();

    expect(executed).toEqual([]);
    expect(jobCondition(sim, 'no-secret')).toBe('Failed');
    expect(await podLog(sim, podOf(sim, 'no-secret'))).toBe(
      'Error: secret "absent" not found in namespace jobs\n',
    );
  });

  it('runs containers of images without an executor as before', async () => {
    const executor = async () => ({ exitCode: 1, log: 'must not run' });
    sim = await startKubeSim({ nodes: NODES, jobExecutors: { 'ghcr.io/example/other': executor } });
    sim.apply(job('plain', {}));
    expect(jobCondition(sim, 'plain')).toBe('Complete');
  });

  it('kills a running host command when kube-sim stops', async () => {
    const started = Date.now();
    sim = await startKubeSim({
      nodes: NODES,
      jobExecutors: { [IMAGE]: hostCommandExecutor({ path: '/usr/bin:/bin' }) },
    });
    sim.apply(job('sleeper', { command: ['sleep', '30'] }));
    await sim.stop();
    sim = undefined;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('imageRepository', () => {
  it('drops the tag and the digest and normalizes the registry', () => {
    expect(imageRepository('ghcr.io/x/pg-tools:15.8-1@sha256:abc')).toBe('ghcr.io/x/pg-tools');
    expect(imageRepository('localhost:5000/pg-tools')).toBe('localhost:5000/pg-tools');
    expect(imageRepository('busybox')).toBe('docker.io/library/busybox');
  });
});
