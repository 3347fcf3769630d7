import { describe, expect, it } from 'vitest';
import { compareDebianVersions, isSecurityStyleRevisionBump, parseDebianVersion } from './dpkg-version.ts';

// Vectors from deb-version(7) and dpkg's own test suite (t-version.c), each as a < b.
const ascending: [string, string][] = [
  ['1.0', '1.1'],
  ['1.0', '1.0.1'],
  ['1.0~rc1', '1.0'],
  ['1.0~~', '1.0~'],
  ['1.0~~a', '1.0~'],
  ['1.0~', '1.0'],
  ['1.0', '1.0a'],
  ['1.0a', '1.0+'],
  ['1.0', '1:0.1'],
  ['2:1.0', '10:0.1'],
  ['1.0-1', '1.0-2'],
  ['1.0-2', '1.0-10'],
  ['1.0-1', '1.0.1-1'],
  ['1.2.3-1', '1.2.3-1+deb12u1'],
  ['1.2.3-1+deb12u1', '1.2.3-1+deb12u2'],
  ['1.2.3-1+deb12u9', '1.2.3-1+deb12u10'],
  ['3.0.11-1~deb12u2', '3.0.11-1~deb12u3'],
  ['3.0.11-1~deb12u2', '3.0.11-1'],
  ['2.36-9', '2.36-9+deb12u4'],
  ['a', 'b'],
  ['9', '10'],
  ['0.9', '0.10'],
  ['1.0-0ubuntu0.22.04.1', '1.0-0ubuntu0.22.04.2'],
  ['7.88.1-10', '7.88.1-10+deb12u5'],
  ['1:9.2.1-1', '2:8.0'],
  ['1.0.0', '1.0.0.0'],
];

describe('compareDebianVersions (dpkg ordering)', () => {
  it.each(ascending)('%s < %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBeLessThan(0);
    expect(compareDebianVersions(b, a)).toBeGreaterThan(0);
  });

  it.each([
    ['1.0', '1.0'],
    ['0:1.0', '1.0'],
    ['1.0-0', '1.0'],
    ['1.00', '1.0'],
    ['1.0-1', '1.0-01'],
  ])('%s = %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBe(0);
  });

  it('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    expect(parseDebianVersion('1:2.4.47-2+b1')).toEqual({ epoch: 1, upstream: '2.4.47', revision: '2+b1' });
    expect(parseDebianVersion('2.4-47-2')).toEqual({ epoch: 0, upstream: '2.4-47', revision: '2' });
    expect(parseDebianVersion('1.0')).toEqual({ epoch: 0, upstream: '1.0', revision: '' });
  });
});

describe('isSecurityStyleRevisionBump', () => {
  it.each([
    ['7.88.1-10', '7.88.1-10+deb12u5'],
    ['7.88.1-10+deb12u4', '7.88.1-10+deb12u5'],
    ['1.0-0ubuntu0.22.04.1', '1.0-0ubuntu0.22.04.2'],
    ['1.0-1ubuntu1', '1.0-1ubuntu1.1'],
  ])('%s → %s is security-style', (a, b) => {
    expect(isSecurityStyleRevisionBump(a, b)).toBe(true);
  });

  it.each([
    ['7.88.1-10', '7.88.2-1'],
    ['7.88.1-10', '7.88.1-11'],
    ['7.88.1-10+deb12u5', '7.88.1-10+deb12u5'],
    ['1:7.88.1-10', '2:7.88.1-10+deb12u1'],
    ['7.88.1-10', '7.88.1-10+b1'],
  ])('%s → %s is not', (a, b) => {
    expect(isSecurityStyleRevisionBump(a, b)).toBe(false);
  });
});
