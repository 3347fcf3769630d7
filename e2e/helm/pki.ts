import { createPrivateKey, X509Certificate } from 'node:crypto';

/** The PEM certificates of a bundle, in order. */
export function splitPem(bundle: string): X509Certificate[] {
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((pem) => new X509Certificate(pem));
}

/** `DNS:a, DNS:b, IP Address:127.0.0.1` → `['DNS:a', 'DNS:b', 'IP:127.0.0.1']`. */
export function subjectAltNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s !== '')
    .map((s) => s.replace(/^IP Address:/, 'IP:'));
}

/** Whether one certificate of the CA bundle signed `cert`. */
export function signedByBundle(cert: X509Certificate, bundle: string): boolean {
  return splitPem(bundle).some((ca) => ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

export function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  return cert.checkPrivateKey(createPrivateKey(keyPem));
}

export const fromBase64 = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
