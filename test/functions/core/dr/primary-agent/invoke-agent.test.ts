import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, TransientError } from '../../../../../functions/commons/errors.ts';
import {
  type AgentDependencies,
  invokePrimaryAgent,
  PrimaryRegionUnreachableError,
} from '../../../../../functions/core/dr/primary-agent/invoke-agent.ts';
import { type AwsSim, startAwsSim } from '../../../../../local/aws-sim/server.ts';

const REGION = 'eu-central-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

class FenceStepInProgressError extends Error {
  override name = 'FailoverStepInProgressError';
}

describe('invokePrimaryAgent (the real Lambda client against aws-sim)', () => {
  let sim: AwsSim;
  let dependencies: AgentDependencies;

  beforeAll(async () => {
    sim = await startAwsSim({ region: REGION });
    sim.lambda.register('lakehouse-ops-test-fence-primary', async (payload) => ({
      status: 'fenced',
      received: payload,
    }));
    sim.lambda.register('lakehouse-ops-test-lift-fence', async () => {
      throw new FenceStepInProgressError('step buckets is being run by another execution');
    });
  });
  afterAll(() => sim.stop());

  beforeEach(() => {
    sim.lambda.unreachable = false;
    dependencies = {
      lambda: new LambdaClient({ region: REGION, endpoint: sim.url, credentials, maxAttempts: 1 }),
      primaryRegion: REGION,
      functionNameOf: (agent) => `lakehouse-ops-test-${agent}`,
      timeoutMs: 5_000,
    };
  });

  it("returns the agent's result as the agent returned it", async () => {
    const payload = { failoverId: 'fo-1', step: 'buckets' };
    await expect(invokePrimaryAgent('fence-primary', payload, dependencies)).resolves.toEqual({
      status: 'fenced',
      received: payload,
    });
    expect(sim.lambda.invocations.at(-1)).toEqual({
      functionName: 'lakehouse-ops-test-fence-primary',
      payload,
    });
  });

  it("fails under the agent's own error name, so the workflow's Retry and Catch still match", async () => {
    const failure = await invokePrimaryAgent('lift-fence', { failoverId: 'fo-1' }, dependencies).catch(
      (error: Error) => error,
    );
    expect(failure).toMatchObject({ name: 'FailoverStepInProgressError' });
    expect((failure as Error).message).toContain('lift-fence in eu-central-1: step buckets is being run');
  });

  it('calls a missing agent a configuration error that names the function and who deploys it', async () => {
    const failure = await invokePrimaryAgent('resync-from-replica', {}, dependencies).catch(
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toMatch(
      /cannot invoke lakehouse-ops-test-resync-from-replica in eu-central-1 \(ResourceNotFoundException\).*deployed by the OpsStack/,
    );
  });

  it('calls a region whose Lambda service does not answer unreachable (retryable)', async () => {
    sim.lambda.unreachable = true;
    const failure = await invokePrimaryAgent('fence-primary', {}, dependencies).catch(
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(PrimaryRegionUnreachableError);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).name).toBe('PrimaryRegionUnreachableError');
  });

  it('calls a region with nothing listening unreachable too', async () => {
    const closed = {
      ...dependencies,
      lambda: new LambdaClient({
        region: REGION,
        endpoint: 'http://127.0.0.1:9',
        credentials,
        maxAttempts: 1,
      }),
    };
    await expect(invokePrimaryAgent('fence-primary', {}, closed)).rejects.toBeInstanceOf(
      PrimaryRegionUnreachableError,
    );
  });

  it('gives up at its timeout, as unreachable, rather than outliving its own Lambda timeout', async () => {
    sim.lambda.register(
      'lakehouse-ops-test-resync-from-replica',
      () => new Promise((resolve) => setTimeout(resolve, 2_000)),
    );
    // The agent would answer (null) after 2 s: only the timeout makes this reject.
    await expect(
      invokePrimaryAgent('resync-from-replica', {}, { ...dependencies, timeoutMs: 200 }),
    ).rejects.toBeInstanceOf(PrimaryRegionUnreachableError);
  });
});
