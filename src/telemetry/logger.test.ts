import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ZastavaError } from '../model/errors.ts';
import { createLogger, withCorrelation } from './logger.ts';

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON with the seed fields and a correlation id', async () => {
    const { stream, lines } = capture();
    const log = withCorrelation(createLogger({ destination: stream }), 'uid-1');
    log.info(
      {
        facetId: 'os',
        imageRef: 'a:1',
        imageDigest: 'sha256:x',
        merkleRoot: 'sha256:y',
        driftScore: 1.5,
        quotaVerdict: 'pass',
      },
      'facet',
    );
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'zastava',
      correlationId: 'uid-1',
      facetId: 'os',
      driftScore: 1.5,
      msg: 'facet',
    });
  });

  it('never writes authorization headers, tokens, passwords or keys', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream });
    log.info(
      {
        req: { headers: { authorization: 'Bearer SECRET-A', cookie: 'SECRET-B' } },
        registry: { token: 'SECRET-C', password: 'SECRET-D', auth: 'SECRET-E' },
        signer: { privateKey: 'SECRET-F' },
        token: 'SECRET-G',
      },
      'x',
    );
    log.child({ registry: { auth: 'SECRET-H' } }).warn({ headers: { Cookie: 'SECRET-I' } }, 'y');
    log.child({ correlationId: 'c' }).child({ token: 'SECRET-J' }).info('z'); // a grandchild's bindings
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ correlationId: 'c', token: '[redacted]' });
    expect(text).not.toContain('SECRET');
    expect(text).toContain('[redacted]');
  });

  it('serialises a ZastavaError with its code (JSON.stringify of an Error is {})', async () => {
    const { stream, lines } = capture();
    createLogger({ destination: stream }).error({ err: new ZastavaError('X_CODE', 'went wrong') }, 'failed');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]?.err).toMatchObject({ code: 'X_CODE', message: 'went wrong' });
  });
});
