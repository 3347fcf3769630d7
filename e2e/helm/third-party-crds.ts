import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './chart.ts';
import { ChartHarnessError } from './errors.ts';

/**
 * The CRDs of the kinds the chart renders but does not own (cert-manager's Issuer and Certificate,
 * prometheus-operator's ServiceMonitor), for kubeconform and the API server. Both projects are Go
 * modules whose published module zips carry their CRD YAML, so `go mod download` fetches them through
 * the Go module proxy (cached in GOMODCACHE; offline after the first time). Pinned here.
 */
export const THIRD_PARTY_CRDS = [
  {
    module: 'github.com/cert-manager/cert-manager',
    version: 'v1.21.2',
    files: [
      'deploy/crds/cert-manager.io_certificates.yaml',
      'deploy/crds/cert-manager.io_issuers.yaml',
      'deploy/crds/cert-manager.io_clusterissuers.yaml',
    ],
  },
  {
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    files: ['example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml'],
  },
] as const;

/** Absolute paths of the third-party CRD files, downloading the modules when needed. */
export async function thirdPartyCrdFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const { module, version, files } of THIRD_PARTY_CRDS) {
    const result = await run('go', ['mod', 'download', '-json', `${module}@${version}`], {
      cwd: tmpdir(),
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      timeoutMs: 600_000,
    }).catch((error: unknown) => {
      throw new ChartHarnessError(
        'THIRD_PARTY_CRDS_UNAVAILABLE',
        `cannot run go to fetch ${module}@${version}`,
        {
          cause: error,
          hint: 'Go 1.26 and the Go module proxy (GOPROXY) are needed once; the module cache keeps them',
        },
      );
    });
    const dir = result.code === 0 ? (JSON.parse(result.stdout) as { Dir?: string }).Dir : undefined;
    if (dir === undefined) {
      throw new ChartHarnessError(
        'THIRD_PARTY_CRDS_UNAVAILABLE',
        `go mod download ${module}@${version} failed:\n${result.stderr}${result.stdout}`,
        { hint: 'the Go module proxy must be reachable once; the module cache keeps the files' },
      );
    }
    out.push(...files.map((f) => join(dir, f)));
  }
  return out;
}
