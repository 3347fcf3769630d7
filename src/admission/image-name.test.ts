import { describe, expect, it } from 'vitest';
import { isZastavaError } from '../model/errors.ts';
import { parseImageName } from './image-name.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseImageName', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', 'latest', undefined],
    ['nginx:1.27', 'docker.io', 'library/nginx', '1.27', undefined],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', undefined],
    ['index.docker.io/library/nginx', 'docker.io', 'library/nginx', 'latest', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['127.0.0.1:5000/team/app:v2', '127.0.0.1:5000', 'team/app', 'v2', undefined],
    [`ghcr.io/acme/app@${D}`, 'ghcr.io', 'acme/app', undefined, D],
    [`ghcr.io/acme/app:v1@${D}`, 'ghcr.io', 'acme/app', 'v1', D],
    ['[::1]:5000/app', '[::1]:5000', 'app', 'latest', undefined],
    ['registry.example/a__b/c-d.e', 'registry.example', 'a__b/c-d.e', 'latest', undefined],
  ])('%s', (image, registry, repository, tag, digest) => {
    expect(parseImageName(image)).toMatchObject({
      original: image,
      registry,
      repository,
      tag,
      digest,
      repositoryName: `${registry}/${repository}`,
      reference: { transport: 'registry', registry, repository },
    });
  });

  it.each([
    '',
    'app/UPPER',
    'docker://nginx',
    'oci:/tmp/x',
    'app:',
    'app@sha256:short',
    'a//b',
    '/app',
    'app:bad tag',
    'x'.repeat(5000),
  ])('refuses %j with ADMISSION_IMAGE_REF_INVALID', (image) => {
    try {
      parseImageName(image);
      expect.unreachable();
    } catch (error) {
      expect(isZastavaError(error) && error.code).toBe('ADMISSION_IMAGE_REF_INVALID');
    }
  });
});
