import { describe, expect, it } from 'vitest';
import { lookupInConfig, normaliseAuthKey, type DockerConfigFile } from './docker-config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('normaliseAuthKey', () => {
  it('strips scheme, API prefix and trailing slashes, keeping namespaces', () => {
    expect(normaliseAuthKey('https://index.docker.io/v1/')).toEqual({ host: 'index.docker.io', path: '' });
    expect(normaliseAuthKey('http://Reg.Example:5000')).toEqual({ host: 'reg.example:5000', path: '' });
    expect(normaliseAuthKey('reg.example/team/app/')).toEqual({ host: 'reg.example', path: 'team/app' });
  });
});

describe('lookupInConfig', () => {
  it('decodes auths.auth as user:password, the password keeping its colons', () => {
    const config: DockerConfigFile = { auths: { 'reg.example': { auth: b64('ann:pa:ss') } } };
    expect(lookupInConfig(config, 'reg.example', 'team/app')).toMatchObject({
      kind: 'basic',
      username: 'ann',
      password: 'pa:ss',
    });
  });

  it('matches keys written with a scheme, and Docker Hub under any of its names', () => {
    const config: DockerConfigFile = {
      auths: {
        'https://reg.example:5000/v2/': { auth: b64('a:b') },
        'https://index.docker.io/v1/': { auth: b64('hub:x') },
      },
    };
    expect(lookupInConfig(config, 'reg.example:5000', 'x')).toMatchObject({ username: 'a' });
    expect(lookupInConfig(config, 'docker.io', 'library/debian')).toMatchObject({ username: 'hub' });
    expect(lookupInConfig(config, 'reg.example', 'x')).toBeUndefined(); // another port is another registry
  });

  it('prefers the most specific namespace key (containers auth.json)', () => {
    const config: DockerConfigFile = {
      auths: {
        'reg.example': { auth: b64('host:1') },
        'reg.example/team': { auth: b64('team:2') },
        'reg.example/team/app': { auth: b64('app:3') },
      },
    };
    expect(lookupInConfig(config, 'reg.example', 'team/app')).toMatchObject({ username: 'app' });
    expect(lookupInConfig(config, 'reg.example', 'team/other')).toMatchObject({ username: 'team' });
    expect(lookupInConfig(config, 'reg.example', 'teamwork/app')).toMatchObject({ username: 'host' });
  });

  it('puts credHelpers before auths before credsStore, and skips empty auths entries', () => {
    const config: DockerConfigFile = {
      credHelpers: { 'reg.example': 'test' },
      auths: { 'reg.example': { auth: b64('a:b') }, 'other.example': {} },
      credsStore: 'desktop',
    };
    expect(lookupInConfig(config, 'reg.example', 'x')).toMatchObject({
      kind: 'helper',
      helper: 'test',
      serverUrl: 'reg.example',
    });
    expect(lookupInConfig(config, 'other.example', 'x')).toMatchObject({ kind: 'helper', helper: 'desktop' });
    expect(lookupInConfig({ credsStore: 'desktop' }, 'docker.io', 'x')).toMatchObject({
      serverUrl: 'https://index.docker.io/v1/',
    });
  });

  it('returns identity tokens and username/password pairs', () => {
    const config: DockerConfigFile = {
      auths: {
        'acr.example': { identitytoken: 'refresh' },
        'plain.example': { username: 'u', password: 'p' },
      },
    };
    expect(lookupInConfig(config, 'acr.example', 'x')).toMatchObject({
      kind: 'identity-token',
      token: 'refresh',
    });
    expect(lookupInConfig(config, 'plain.example', 'x')).toMatchObject({
      kind: 'basic',
      username: 'u',
      password: 'p',
    });
  });

  it('finds nothing in an empty config', () => {
    expect(lookupInConfig({}, 'reg.example', 'x')).toBeUndefined();
  });
});
