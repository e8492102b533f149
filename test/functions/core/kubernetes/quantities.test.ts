import { describe, expect, it } from 'vitest';
import {
  GIB,
  MIB,
  parseBytes,
  parseCpu,
  quantityValue,
} from '../../../../functions/core/kubernetes/quantities.ts';

describe('quantityValue', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['1500u', 0.0015],
    ['100n', 1e-7],
    ['1.5Gi', 1.5 * GIB],
    ['1e3', 1000],
    ['2.5E-3', 0.0025],
    ['-1k', -1000],
    [' 512Mi ', 512 * MIB],
  ])('reads %s', (quantity, value) => {
    expect(quantityValue(quantity)).toBe(value);
  });

  it.each(['lots', '1 core', '1e3Mi', '1.5.2', 'Mi', '', '2mi'])('finds no quantity in "%s"', (quantity) => {
    expect(quantityValue(quantity)).toBeUndefined();
  });
});

describe('parseBytes and parseCpu', () => {
  it.each([
    [parseBytes, '256Mi', 256 * MIB],
    [parseBytes, '1.5Gi', 1.5 * GIB],
    [parseBytes, '1G', 1e9],
    [parseBytes, '536870912', 536_870_912],
    [parseBytes, '1e3', 1000],
    [parseBytes, '500k', 500_000],
    [parseBytes, '128974848000m', 128_974_848],
    [parseBytes, '1500m', 2],
    [parseCpu, '250m', 0.25],
    [parseCpu, '333m', 0.333],
    [parseCpu, '1.5', 1.5],
    [parseCpu, '2', 2],
  ])('%o reads %s as %d', (parse, quantity, value) => {
    expect(parse(quantity)).toBe(value);
  });

  const bytesExpected = 'a byte quantity: expected a number with an optional suffix such as 512Mi, 2Gi or 1G';
  const cpuExpected = 'a CPU quantity: expected cores such as 2 or 0.5, or millicores such as 250m';
  it.each([
    [parseBytes, 'lots', bytesExpected],
    [parseBytes, '-1Gi', bytesExpected],
    [parseCpu, '1 core', cpuExpected],
    [parseCpu, '-250m', cpuExpected],
  ])('%o refuses %s, saying what it expected', (parse, quantity, expected) => {
    expect(() => parse(quantity)).toThrow(`"${quantity}" is not ${expected}`);
  });
});
