import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:https';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run, runOk } from './chart.ts';
import { keyMatches, signedByBundle, subjectAltNames } from './pki.ts';

// certs/make-certs.sh: a CA and a serving certificate with openssl, checked by parsing the result and by
// a real TLS handshake that verifies the chain and the name, as the API server and curl do.
const SCRIPT = join(ROOT, 'certs', 'make-certs.sh');
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-certs-'));
  await runOk('bash', [
    SCRIPT,
    '--service',
    'zastava',
    '--namespace',
    'zastava-system',
    '--out',
    dir,
    '--dns',
    'webhook.example',
  ]);
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const read = (name: string) => readFile(join(dir, name), 'utf8');

function handshake(host: string, servername: string, ca: string, cert: string, key: string): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const socket = connect({ host, port, servername, ca }, () => {
        socket.end();
        server.close();
        resolve('verified');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        server.close();
        resolve(error.code ?? error.message);
      });
    });
  });
}

describe('certs/make-certs.sh', () => {
  it('names the Service in all its DNS forms, localhost and the loopback addresses', async () => {
    const cert = new X509Certificate(await read('tls.crt'));
    expect(subjectAltNames(cert)).toEqual([
      'DNS:zastava',
      'DNS:zastava.zastava-system',
      'DNS:zastava.zastava-system.svc',
      'DNS:zastava.zastava-system.svc.cluster.local',
      'DNS:localhost',
      'IP:127.0.0.1',
      'IP:0:0:0:0:0:0:0:1',
      'DNS:webhook.example',
    ]);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(keyMatches(cert, await read('tls.key'))).toBe(true);
    expect(signedByBundle(cert, await read('ca.crt'))).toBe(true);
    expect(Buffer.from(await read('ca-bundle.b64'), 'base64').toString()).toBe(await read('ca.crt'));
    expect((await stat(join(dir, 'tls.key'))).mode & 0o077).toBe(0);
    expect((await stat(join(dir, 'ca.key'))).mode & 0o077).toBe(0);
  });

  it('serves TLS that a client trusting only the CA verifies, for the Service name and 127.0.0.1', async () => {
    const [ca, cert, key] = await Promise.all([read('ca.crt'), read('tls.crt'), read('tls.key')]);
    expect(await handshake('127.0.0.1', 'zastava.zastava-system.svc', ca, cert, key)).toBe('verified');
    expect(await handshake('127.0.0.1', 'localhost', ca, cert, key)).toBe('verified');
    expect(await handshake('127.0.0.1', 'other.zastava-system.svc', ca, cert, key)).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });

  it('keeps the CA when run again (renewal does not change the caBundle), and --force replaces it', async () => {
    const [ca, cert] = await Promise.all([read('ca.crt'), read('tls.crt')]);
    await runOk('bash', [SCRIPT, '--out', dir, '--namespace', 'zastava-system']);
    expect(await read('ca.crt')).toBe(ca);
    expect(await read('tls.crt')).not.toBe(cert);
    await runOk('bash', [SCRIPT, '--out', dir, '--namespace', 'zastava-system', '--force']);
    expect(await read('ca.crt')).not.toBe(ca);
    expect(signedByBundle(new X509Certificate(await read('tls.crt')), await read('ca.crt'))).toBe(true);
  });

  it('refuses bad arguments with the reason, writing nothing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'zastava-certs-bad-'));
    try {
      for (const [args, message] of [
        [['--service', 'Not_A_Label'], /is not a DNS label/],
        [['--days', '4000'], /must not exceed --ca-days/],
        [['--bogus'], /unknown argument/],
      ] as const) {
        const result = await run('bash', [SCRIPT, '--out', empty, ...args]);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(message);
      }
      expect((await runOk('ls', ['-A', empty])).trim()).toBe('');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
