import { randomUUID } from 'node:crypto';
import { localActor, STORE_FLAG_OPTIONS, STORE_FLAGS_USAGE, storeConfig } from '../config/store.ts';
import { approveBaseline, latestApprovedManifests, listApprovals } from '../store/baselines.ts';
import { resolveApprovalTarget } from '../store/approval-target.ts';
import { StoreError } from '../store/errors.ts';
import { withStore } from '../store/open.ts';
import { normaliseRepository } from '../drift/stored-input.ts';
import { defineCommand } from './command.ts';
import { print } from './context.ts';
import { EXIT, usageError } from './errors.ts';

const USAGE = `stella baseline approve IMAGE [--reason R] [--digest sha256:…] [--repository REPO] [--format text|json] ${STORE_FLAGS_USAGE}
stella baseline show REPO [--history] [--format text|json] ${STORE_FLAGS_USAGE}

IMAGE is a reference whose seals are stored (REPO:TAG, REPO@sha256:…, oci:DIR:TAG, …) or a stored
digest (sha256:… or stored:sha256:…). The baseline of a repository is its most recently approved digest.`;

/** `stella baseline approve|show` (SPEC §8). */
export const baselineCommand = defineCommand(
  {
    name: 'baseline',
    usage: USAGE,
    options: {
      ...STORE_FLAG_OPTIONS,
      reason: { type: 'string' },
      digest: { type: 'string' },
      repository: { type: 'string' },
      history: { type: 'boolean' },
      format: { type: 'string', default: 'text' },
    },
  },
  async ({ values, positionals }, ctx) => {
    if (values.format !== 'text' && values.format !== 'json')
      throw usageError(`stella baseline: unknown --format "${values.format}"`, USAGE);
    const json = values.format === 'json';
    const [sub, target, ...extra] = positionals;
    if (target === undefined || extra.length > 0)
      throw usageError(`stella baseline ${sub ?? ''}: expected exactly one argument`, USAGE);
    const config = storeConfig(ctx.env, values);

    if (sub === 'approve') {
      const by = { actor: localActor(ctx.env), correlationId: randomUUID() };
      return withStore(config, async (store) => {
        const resolved = await resolveApprovalTarget(store, config.tenant, target, {
          digest: values.digest,
          repository: values.repository,
        });
        const approval = await approveBaseline(
          store,
          config.tenant,
          { ...resolved, reason: values.reason },
          by,
        );
        if (json) print(ctx.stdout, JSON.stringify(approval, null, 2));
        else
          print(
            ctx.stdout,
            `approved ${approval.imageDigest} as the baseline of ${approval.repository} (tenant ${config.tenant}, approval ${approval.approvalId})`,
          );
        return EXIT.ok;
      });
    }
    if (sub === 'show') {
      const repository = normaliseRepository(target);
      return withStore(config, async (store) => {
        const baseline = await latestApprovedManifests(store, config.tenant, repository);
        if (baseline === undefined)
          throw new StoreError(
            'BASELINE_NOT_FOUND',
            `${repository} has no approved baseline for tenant ${config.tenant}`,
            {
              hint: 'approve one: stella baseline approve IMAGE',
            },
          );
        const history = values.history
          ? await listApprovals(store, config.tenant, { repository })
          : undefined;
        const facets = baseline.facets.map((f) => f.seal);
        if (json) {
          print(
            ctx.stdout,
            JSON.stringify({ approval: baseline.approval, facets, ...(history ? { history } : {}) }, null, 2),
          );
          return EXIT.ok;
        }
        const a = baseline.approval;
        print(ctx.stdout, `repository  ${repository}`);
        print(ctx.stdout, `baseline    ${a.imageDigest}`);
        print(
          ctx.stdout,
          `approved    ${a.approvedAt} by ${a.approvedBy}${a.reason === null ? '' : ` (${a.reason})`}`,
        );
        print(ctx.stdout, '');
        const width = Math.max(5, ...facets.map((f) => f.facetId.length));
        print(
          ctx.stdout,
          `${'facet'.padEnd(width)}  ${'files'.padStart(7)}  ${'bytes'.padStart(12)}  merkle root`,
        );
        for (const f of facets)
          print(
            ctx.stdout,
            `${f.facetId.padEnd(width)}  ${String(f.fileCount).padStart(7)}  ${String(f.totalBytes).padStart(12)}  ${f.merkleRoot}`,
          );
        if (history !== undefined) {
          print(ctx.stdout, '\nhistory (newest first)');
          for (const h of history)
            print(
              ctx.stdout,
              `${h.approvedAt}  ${h.imageDigest}  ${h.approvedBy}${h.reason === null ? '' : `  ${h.reason}`}`,
            );
        }
        return EXIT.ok;
      });
    }
    throw usageError(`stella baseline: unknown subcommand "${sub ?? ''}"`, USAGE);
  },
);

/** `debian` and `docker.io/library/debian:12` name one repository; text that is no reference is kept. */
