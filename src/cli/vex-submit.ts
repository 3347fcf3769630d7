import { randomUUID } from 'node:crypto';
import { localActor, STORE_FLAG_OPTIONS, STORE_FLAGS_USAGE, storeConfig } from '../config/store.ts';
import { DsseEnvelope } from '../model/seal.ts';
import { submitVex } from '../store/vex.ts';
import { withStore } from '../store/open.ts';
import { defineCommand } from './command.ts';
import { print } from './context.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { readJsonFile } from './key-options.ts';

export const SUBMIT_USAGE = `stella vex submit ENVELOPE [--image-digest sha256:…] ${STORE_FLAGS_USAGE}`;

/** The facet-drift acknowledgement URN written by `stella vex gen` (src/vex): facet id, then the roots. */
const DRIFT_URN = /^urn:zastava:facet-drift:v1:(.+):sha256:[0-9a-f]{64}:sha256:[0-9a-f]{64}$/;
const OCI_PURL_DIGEST = /^pkg:oci\/[^@]+@(sha256(?::|%3A)[0-9a-f]{64})/i;

/**
 * `stella vex submit`: stores a signed OpenVEX envelope for the tenant. The store verifies it against the
 * tenant's keyring and keeps only the verified document; a refusal stores nothing and writes an audit row.
 * The image digest and facet are read from the document's statements unless given.
 */
export const vexSubmit = defineCommand(
  {
    name: 'vex submit',
    usage: SUBMIT_USAGE,
    options: { ...STORE_FLAG_OPTIONS, 'image-digest': { type: 'string' } },
    positionals: 1,
  },
  async ({ values, positionals }, ctx) => {
    const file = positionals[0]!;
    const parsed = DsseEnvelope.safeParse(await readJsonFile(file));
    if (!parsed.success)
      throw new CliError('INPUT_UNREADABLE', `${file} is not a DSSE envelope (stella vex sign writes one)`);
    const envelope = parsed.data;
    const subject = subjectOf(envelope);
    const imageDigest = values['image-digest'] ?? subject.imageDigest;
    if (imageDigest === undefined) {
      throw usageError(
        `stella vex submit: ${file} names no pkg:oci product digest; give --image-digest`,
        SUBMIT_USAGE,
      );
    }
    const config = storeConfig(ctx.env, values);
    const by = { actor: localActor(ctx.env), correlationId: randomUUID() };
    const record = await withStore(config, (store) =>
      submitVex(store, config.tenant, { imageDigest, facetId: subject.facetId, envelope }, by),
    );
    print(ctx.stdout, `stored VEX ${record.statementId} for ${imageDigest} (tenant ${config.tenant})`);
    return EXIT.ok;
  },
);

/** Reads (unverified: only to address the submission; the store verifies) the image digest and facet. */
function subjectOf(envelope: DsseEnvelope): { imageDigest?: string; facetId?: string } {
  let doc: { statements?: { vulnerability?: { name?: string }; products?: { '@id'?: string }[] }[] };
  try {
    doc = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as typeof doc;
  } catch {
    return {};
  }
  const facets = new Set<string>();
  let imageDigest: string | undefined;
  for (const statement of doc.statements ?? []) {
    const facet = DRIFT_URN.exec(statement.vulnerability?.name ?? '')?.[1];
    if (facet !== undefined) facets.add(facet);
    for (const product of statement.products ?? []) {
      const digest = OCI_PURL_DIGEST.exec(product['@id'] ?? '')?.[1];
      if (digest !== undefined) imageDigest ??= digest.replace(/%3A/i, ':').toLowerCase();
    }
  }
  return {
    ...(imageDigest === undefined ? {} : { imageDigest }),
    ...(facets.size === 1 ? { facetId: [...facets][0]! } : {}),
  };
}
