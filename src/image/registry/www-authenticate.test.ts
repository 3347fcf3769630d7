import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, pickChallenge } from './www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it('reads a Docker Hub style Bearer challenge', () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"';
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/debian:pull',
        },
      },
    ]);
  });

  it('keeps commas inside quoted values and unescapes backslashes', () => {
    const [c] = parseWwwAuthenticate(
      'Bearer realm="r", scope="repository:a/b:pull,push", error="say \\"no\\""',
    );
    expect(c?.params).toEqual({ realm: 'r', scope: 'repository:a/b:pull,push', error: 'say "no"' });
  });

  it('splits several challenges and lower-cases schemes and names', () => {
    const cs = parseWwwAuthenticate('Basic realm="Registry Realm", BEARER Realm=tok , Service=svc');
    expect(cs).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'tok', service: 'svc' } },
    ]);
  });

  it('accepts parameter-less and token68 challenges', () => {
    expect(parseWwwAuthenticate('Negotiate abc==, Basic')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: {} },
    ]);
  });

  it('never throws on garbage and keeps what it could read', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: {} }]);
    expect(parseWwwAuthenticate('@@@')).toEqual([]);
    expect(parseWwwAuthenticate('Bearer realm="a",,, service="b"')[0]?.params).toEqual({
      realm: 'a',
      service: 'b',
    });
  });

  it('keeps the first of a repeated parameter', () => {
    expect(parseWwwAuthenticate('Bearer realm="a", realm="b"')[0]?.params).toEqual({ realm: 'a' });
  });
});

describe('pickChallenge', () => {
  it('prefers Bearer over Basic and ignores schemes we do not speak', () => {
    expect(pickChallenge(parseWwwAuthenticate('Basic realm=x, Bearer realm=y'))?.scheme).toBe('bearer');
    expect(pickChallenge(parseWwwAuthenticate('Basic realm=x'))?.scheme).toBe('basic');
    expect(pickChallenge(parseWwwAuthenticate('Negotiate'))).toBeUndefined();
  });
});
