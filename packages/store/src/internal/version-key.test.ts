import { describe, expect, it } from 'vitest';
import { naturalKey, versionKey } from './version-key';

const byKey = (tags: string[], key: (tag: string) => string) =>
  [...tags].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });

describe('version order', () => {
  it('orders semantic versions by their numbers, pre-releases before the release', () => {
    const ordered = [
      '0.9',
      'v1.2.0',
      '1.9.0',
      '1.10.0-alpha',
      '1.10.0-alpha.2',
      '1.10.0-alpha.10',
      '1.10.0-rc.1',
      '1.10.0',
      'v1.10.1',
      '10.0.0',
    ];
    expect(byKey([...ordered].reverse(), versionKey)).toEqual(ordered);
  });

  it('puts other tags after versions, in natural order', () => {
    const ordered = ['1.0.0', '2', 'build-9', 'build-10', 'build-010a', 'latest', 'main'];
    expect(byKey(['main', 'build-10', 'latest', '2', 'build-9', '1.0.0', 'build-010a'], versionKey)).toEqual(ordered);
  });

  it('compares digit runs as numbers of any length', () => {
    expect(naturalKey('a99') < naturalKey('a100')).toBe(true);
    expect(naturalKey('a007') === naturalKey('a7')).toBe(true);
    expect(naturalKey(`x${'9'.repeat(30)}`) < naturalKey(`x1${'0'.repeat(30)}`)).toBe(true);
  });
});
