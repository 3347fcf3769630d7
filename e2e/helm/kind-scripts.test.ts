import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTools } from '../tools/paths.ts';
import { ROOT, parseObjects, run, runOk, templateArgs } from './chart.ts';

// e2e/kind/ needs Docker, which this machine does not have: what can be checked here is that its
// scripts parse and its manifests are well-formed. The run itself is for machines with Docker.
const KIND = join(ROOT, 'e2e', 'kind');

describe('e2e/kind (scripts for machines with Docker)', () => {
  it('has shell scripts that bash parses', async () => {
    const scripts = (await readdir(KIND)).filter((f) => f.endsWith('.sh'));
    expect(scripts.sort()).toEqual(['run.sh', 'scenarios.sh']);
    for (const script of scripts) {
      const result = await run('bash', ['-n', join(KIND, script)]);
      expect(result.code, `${script}: ${result.stderr}`).toBe(0);
    }
  });

  it('refuses to start without a Docker engine, saying so', async () => {
    const result = await run('bash', [join(KIND, 'run.sh')], {
      env: { ...process.env, PATH: '/usr/bin:/bin', DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/docker/i);
  });

  it('has well-formed manifests', async () => {
    const objects = parseObjects(await readFile(join(KIND, 'postgres.yaml'), 'utf8'));
    expect(objects.map((o) => o.kind)).toEqual(['Secret', 'Deployment', 'Service']);
  });

  it('has chart values that render: the loaded image, the registry CA, the hook migration', async () => {
    const { helm } = (await ensureTools(['helm'], { build: true })).bin;
    const objects = parseObjects(
      await runOk(helm, templateArgs({ valuesFiles: [join(KIND, 'values.yaml')] })),
    );
    expect(objects.map((o) => o.kind)).toContain('Job');
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(JSON.stringify(deployment)).toContain('"image":"zastava:e2e"');
    expect(JSON.stringify(deployment)).toContain('NODE_EXTRA_CA_CERTS');
  }, 3_600_000);
});
