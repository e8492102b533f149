import { describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../local/runner/lambda-functions.ts';
import { invokeLikeLambda, LambdaInvocationError } from '../../../local/runner/lambda-invoke.ts';

const fn = (timeoutSeconds: number): LocalFunction => ({
  logicalId: 'DumpPostgresFunction',
  handlerModule: 'functions/dump-postgres.handler.ts',
  functionName: 'dump-postgres',
  functionArn: 'arn:aws:lambda:eu-central-1:000000000000:function:DumpPostgresFunction',
  timeoutSeconds,
  memorySizeMb: 256,
  environment: {},
});

describe('invokeLikeLambda', () => {
  it('ends an invocation at the function timeout with Sandbox.Timedout, as Lambda does', async () => {
    const never = () => new Promise<never>(() => undefined);
    const failure = await invokeLikeLambda(fn(0.05), never, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LambdaInvocationError);
    expect((failure as Error).name).toBe('Sandbox.Timedout');
    expect(JSON.parse((failure as Error).message).errorMessage).toMatch(
      /Task timed out after 0\.05 seconds$/,
    );
  });

  it("reports a handler's error under its name with the runtime's JSON document as cause", async () => {
    const failing = async () => {
      throw Object.assign(new Error('lock held'), { name: 'LockHeldError' });
    };
    const failure = (await invokeLikeLambda(fn(3), failing, {}).catch((error: unknown) => error)) as Error;
    expect(failure.name).toBe('LockHeldError');
    expect(JSON.parse(failure.message)).toMatchObject({
      errorType: 'LockHeldError',
      errorMessage: 'lock held',
    });
  });

  it('returns the result as it crosses the wire (JSON)', async () => {
    const result = await invokeLikeLambda(fn(3), async () => ({ at: new Date(0), nothing: undefined }), {});
    expect(result).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});
