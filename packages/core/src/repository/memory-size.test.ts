import { describe, expect, it } from 'vitest';
import { formatMemorySize, MEMORY_SIZE, memorySizeProblem, parseMemorySize } from './memory-size.js';

const got = (value: unknown) => () => JSON.stringify(value);

describe('parseMemorySize', () => {
  it.each([
    ['268435456', 268435456],
    ['6291456', 6291456],
    ['1k', 1000],
    ['512M', 512_000_000],
    ['1G', 1_000_000_000],
    ['1Ki', 1024],
    ['512Mi', 512 * 2 ** 20],
    ['2Gi', 2 * 2 ** 30],
    ['0', 0],
  ])('%s is %d bytes', (text, bytes) => {
    expect(MEMORY_SIZE.test(text)).toBe(true);
    expect(parseMemorySize(text)).toBe(bytes);
  });

  it.each(['', '512m', '1g', '1K', '1GB', '1GiB', '1.5Gi', '-1Gi', ' 1Gi', '1 Gi', '1Ti', 'Gi', '0x100'])(
    'refuses %j',
    (text) => {
      expect(MEMORY_SIZE.test(text)).toBe(false);
      expect(parseMemorySize(text)).toBeUndefined();
    },
  );
});

describe('formatMemorySize', () => {
  it.each([
    [2 ** 30, '1Gi'],
    [1e9, '1G'],
    [512 * 2 ** 20, '512Mi'],
    [1536 * 2 ** 20, '1536Mi'],
    [512e6, '512M'],
    [1000 * 1024, '1000Ki'],
    [6291457, '6291457'],
  ])('%d is %s, and reads back', (bytes, text) => {
    expect(formatMemorySize(bytes)).toBe(text);
    expect(parseMemorySize(text)).toBe(bytes);
  });
});

describe('memorySizeProblem', () => {
  it.each([
    ['512Mi', undefined],
    [6291456, undefined],
    ['6Mi', undefined],
    ['512m', 'invalid memory size "512m" — did you mean "512Mi"?'],
    ['1g', 'invalid memory size "1g" — did you mean "1Gi"?'],
    ['1GB', 'invalid memory size "1GB" — did you mean "1Gi"?'],
    ['1.5Gi', 'invalid memory size "1.5Gi" — did you mean "1536Mi"?'],
    ['lots', 'invalid memory size "lots"'],
    ['1m', 'invalid memory size "1m"'],
    ['4Mi', 'memory "4Mi" is below the minimum, 6Mi (6291456 bytes)'],
    ['0', 'memory "0" is below the minimum, 6Mi (6291456 bytes)'],
    [1000, 'memory 1000 bytes is below the minimum, 6Mi (6291456 bytes)'],
    [6291456.5, 'memory must be a whole number of bytes, got 6291456.5'],
    ['99999999999Gi', 'memory "99999999999Gi" is too large'],
    [true, '"memory" must be a size such as 512Mi or a number of bytes, got true'],
  ])('%j: %s', (value, message) => {
    expect(memorySizeProblem(value, got(value))?.message).toBe(message);
  });
});
