import { describe, expect, it } from 'vitest';
import { allowsPlainHttp, hostName, isLoopbackHost, requestHost } from './hosts.ts';

describe('registry hosts', () => {
  it('sends Docker Hub requests to registry-1.docker.io, whatever name the reference used', () => {
    expect(requestHost('docker.io')).toBe('registry-1.docker.io');
    expect(requestHost('index.docker.io')).toBe('registry-1.docker.io');
    expect(requestHost('Ghcr.IO')).toBe('ghcr.io');
  });

  it('strips ports and IPv6 brackets', () => {
    expect(hostName('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(hostName('[::1]:5000')).toBe('::1');
    expect(hostName('reg.example')).toBe('reg.example');
  });

  it('recognises loopback names and addresses only', () => {
    for (const h of [
      'localhost',
      'localhost:5000',
      'reg.localhost',
      '127.0.0.1',
      '127.1.2.3:80',
      '[::1]:5000',
    ]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['10.0.0.1', '192.0.2.2:5000', 'localhost.example', '127.0.0.1.example', '[::2]']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('allows plain HTTP for loopback and for --insecure-registry hosts, with or without the port', () => {
    expect(allowsPlainHttp('127.0.0.1:5000', [])).toBe(true);
    expect(allowsPlainHttp('reg.example:5000', [])).toBe(false);
    expect(allowsPlainHttp('reg.example:5000', ['reg.example'])).toBe(true);
    expect(allowsPlainHttp('reg.example:5000', ['reg.example:5000'])).toBe(true);
    expect(allowsPlainHttp('reg.example:5000', ['reg.example:6000'])).toBe(false);
    expect(allowsPlainHttp('reg.example', ['http://reg.example/'])).toBe(true);
  });
});
