import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../../local/kube-sim/patch.ts';

describe('patch', () => {
  it('merge-patches per RFC 7386', () => {
    expect(applyMergePatch({ a: 'b', c: { d: 'e', f: 'g' } }, { a: 'z', c: { f: null } })).toEqual({
      a: 'z',
      c: { d: 'e' },
    });
    expect(applyMergePatch({ list: [1, 2] }, { list: [3] })).toEqual({ list: [3] });
  });

  it('strategic-merges keyed lists, sets and directives', () => {
    const service = {
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 9000, name: 's3' },
        ],
      },
      metadata: { finalizers: ['a'] },
    };
    expect(
      applyStrategicMergePatch(service, {
        spec: {
          ports: [
            { port: 9000, name: 'api' },
            { port: 9001, name: 'console' },
          ],
        },
        metadata: { finalizers: ['b'] },
      }),
    ).toEqual({
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 9000, name: 'api' },
          { port: 9001, name: 'console' },
        ],
      },
      metadata: { finalizers: ['a', 'b'] },
    });
    const pod = { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] } };
    expect(
      applyStrategicMergePatch(pod, {
        spec: { containers: [{ name: 'a', ports: [{ containerPort: 81 }] }] },
      }),
    ).toEqual({
      spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 81 }] }] },
    });
    expect(
      applyStrategicMergePatch(
        { metadata: { finalizers: ['a', 'b'] } },
        { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      ),
    ).toEqual({
      metadata: { finalizers: ['b'] },
    });
    expect(
      applyStrategicMergePatch(
        { spec: { selector: { a: '1', b: '2' } } },
        { spec: { selector: { $patch: 'replace', c: '3' } } },
      ),
    ).toEqual({
      spec: { selector: { c: '3' } },
    });
    expect(
      applyStrategicMergePatch(
        { spec: { tolerations: [{ key: 'x' }] } },
        { spec: { tolerations: [{ key: 'y' }] } },
      ),
    ).toEqual({
      spec: { tolerations: [{ key: 'y' }] },
    });
  });

  it('applies every RFC 6902 operation', () => {
    const document = { a: { b: 1 }, list: ['x', 'y'], 'we/ird~key': true };
    expect(
      applyJsonPatch(document, [
        { op: 'add', path: '/list/-', value: 'z' },
        { op: 'add', path: '/list/0', value: 'w' },
        { op: 'move', from: '/a/b', path: '/moved' },
        { op: 'copy', from: '/moved', path: '/copied' },
        { op: 'remove', path: '/we~1ird~0key' },
        { op: 'test', path: '/list/3', value: 'z' },
      ]),
    ).toEqual({ a: {}, list: ['w', 'x', 'y', 'z'], moved: 1, copied: 1 });
    expect(document.list).toEqual(['x', 'y']);
    expect(() => applyJsonPatch(document, [{ op: 'replace', path: '/missing', value: 1 }])).toThrow(
      /does not exist/,
    );
    expect(() => applyJsonPatch(document, { op: 'add' })).toThrow(/JSON array/);
  });
});
