import { describe, expect, it } from 'vitest';
import { resolveIntrinsics, UnresolvableTokenError } from '../../../local/runner/intrinsics.ts';

const pseudo = {
  region: 'eu-central-1',
  accountId: '000000000000',
  partition: 'aws',
  stackName: 'lakehouse-ops-development',
};
const resources = {
  ref: (logicalId: string) => `ref:${logicalId}`,
  getAtt: (logicalId: string, attribute: string) => `att:${logicalId}.${attribute}`,
};
const resolve = (value: unknown) => resolveIntrinsics(value, resources, pseudo);

describe('resolveIntrinsics', () => {
  it('joins a DefinitionString the way CDK writes it, with GetAtt Arn tokens', () => {
    const definition = {
      'Fn::Join': ['', ['{"Resource":"', { 'Fn::GetAtt': ['CheckNodesFunction', 'Arn'] }, '"}']],
    };
    expect(JSON.parse(resolve(definition) as string)).toEqual({ Resource: 'att:CheckNodesFunction.Arn' });
  });

  it('resolves the pseudo parameters and leaves resource Refs to the resolver', () => {
    expect(resolve({ Ref: 'AWS::Region' })).toBe('eu-central-1');
    expect(resolve({ Ref: 'AWS::AccountId' })).toBe('000000000000');
    expect(resolve({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolve({ Ref: 'AWS::StackName' })).toBe('lakehouse-ops-development');
    expect(resolve({ Ref: 'NotificationTopic' })).toBe('ref:NotificationTopic');
  });

  // Fn::Sub templates hold ${...} placeholders in plain strings, not template literals.
  const sub = {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub placeholders
    pseudo: 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${Topic}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub placeholders
    mixed: '${Fn.Arn}/${Name}/${!Literal}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the escaped placeholder, written out as is
    escapedResult: 'att:Fn.Arn/ref:Bucket/${Literal}',
  };

  it('substitutes pseudo parameters, resource attributes and explicit variables, keeping escaped placeholders', () => {
    expect(resolve({ 'Fn::Sub': sub.pseudo })).toBe('arn:aws:sns:eu-central-1:000000000000:ref:Topic');
    expect(resolve({ 'Fn::Sub': [sub.mixed, { Name: { Ref: 'Bucket' } }] })).toBe(sub.escapedResult);
  });

  it('supports Fn::Select over Fn::Split and GetAtt in its dotted string form', () => {
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(resolve({ 'Fn::GetAtt': 'Queue.Arn' })).toBe('att:Queue.Arn');
  });

  it('resolves intrinsics nested in objects and arrays and keeps everything else', () => {
    expect(resolve({ a: [{ Ref: 'AWS::Region' }, 1, null], b: { c: true } })).toEqual({
      a: ['eu-central-1', 1, null],
      b: { c: true },
    });
  });

  it('throws naming the function when an intrinsic is not supported', () => {
    expect(() => resolve({ 'Fn::ImportValue': 'shared-vpc' })).toThrow(
      new UnresolvableTokenError('Unsupported intrinsic function Fn::ImportValue'),
    );
    expect(() => resolve({ 'Fn::Select': [5, ['a']] })).toThrow(/out of range/);
  });
});
