// Cost per log line of pino 10's `redact` option (the 37 paths the logger used) against the logger's
// property-name walk (src/telemetry/redact.ts), interleaved in one process: node bench/log/redact.ts
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger } from '../../src/telemetry/logger.ts';
const paths = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'identitytoken',
  '*.identitytoken',
  'registrytoken',
  '*.registrytoken',
  'auth',
  '*.auth',
  'auths',
  '*.auths',
  'privateKey',
  '*.privateKey',
  'signingKey',
  '*.signingKey',
  'secretKey',
  '*.secretKey',
  'credentials',
  '*.credentials',
  'dockerconfigjson',
  '*.dockerconfigjson',
  '*[".dockerconfigjson"]',
  'databaseUrl',
  '*.databaseUrl',
];
const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
const old = pino({ base: { service: 'zastava' }, redact: { paths, censor: '[redacted]' } }, sink());
const neu = createLogger({ destination: sink() });
const line = {
  correlationId: 'u',
  decision: 'allow',
  images: [{ image: 'r/a@sha256:x', facets: 6, decision: 'Warn' }],
  durationMs: 2.1,
  namespace: 'shop',
  kind: 'Pod',
};
function run(log: pino.Logger, n: number) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) log.info(line, 'admission decision');
  return Number(process.hrtime.bigint() - t) / n;
}
for (let r = 0; r < 3; r++) {
  run(old, 20000);
  run(neu, 20000);
}
const a: number[] = [],
  b: number[] = [];
for (let r = 0; r < 7; r++) {
  a.push(run(old, 50000));
  b.push(run(neu, 50000));
}
const med = (x: number[]) => x.sort((p, q) => p - q)[3]!;
console.log(
  `per log line, median of 7 x 50k: pino redact ${(med(a) / 1000).toFixed(2)} us, name walk ${(med(b) / 1000).toFixed(2)} us, ratio ${(med(b) / med(a)).toFixed(2)}`,
);
