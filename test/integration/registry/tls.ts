import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  /** PEM of the test CA: what `--ca-file` is given. */
  readonly caFile: string;
  /** Server certificate for 127.0.0.1 and localhost, signed by the CA. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Self-signed certificate and key that sign the token server's JWTs (the registry's rootcertbundle). */
  readonly tokenCert: string;
  readonly tokenKey: string;
  /** base64 DER of the token certificate: the JWT's `x5c` header. */
  readonly tokenCertDer: string;
}

/** A throwaway CA, a loopback server certificate and a token-signing certificate, made with openssl. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Zastava Test CA',
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    p('server.key'),
    '-out',
    p('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await writeFile(
    p('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '2',
    '-extfile',
    p('server.ext'),
  ]);
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('token.key'),
    '-out',
    p('token.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Zastava Test Token Issuer',
  ]);
  const { stdout: der } = await run('openssl', ['x509', '-in', p('token.pem'), '-outform', 'DER'], {
    encoding: 'buffer',
  });
  return {
    caFile: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    tokenCert: p('token.pem'),
    tokenKey: p('token.key'),
    tokenCertDer: Buffer.from(der).toString('base64'),
  };
}

export async function readPem(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
