import { z } from 'zod';

/**
 * OpenVEX v0.2.0 (openvex/spec OPENVEX-SPEC.md and openvex_json_schema_0.2.0.json): no npm library
 * exists, so this is the spec written as zod. Objects are strict (the JSON schema sets
 * `additionalProperties: false`).
 */
export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';
export const OPENVEX_PAYLOAD_TYPE = 'application/vnd.openvex+json';

const Iri = z.string().regex(/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/, 'expected an IRI (scheme:…)');
const Timestamp = z.iso.datetime({ offset: true });

export const VexStatus = z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']);
export type VexStatus = z.infer<typeof VexStatus>;

export const VexJustification = z.enum([
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
]);
export type VexJustification = z.infer<typeof VexJustification>;

export const VexVulnerability = z.strictObject({
  '@id': Iri.optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  aliases: z.array(z.string()).optional(),
});

const Identifiers = z.strictObject({
  purl: z.string().optional(),
  cpe22: z.string().optional(),
  cpe23: z.string().optional(),
});

const Hashes = z.strictObject({
  md5: z.string().optional(),
  sha1: z.string().optional(),
  'sha-256': z.string().optional(),
  'sha-384': z.string().optional(),
  'sha-512': z.string().optional(),
  'sha3-224': z.string().optional(),
  'sha3-256': z.string().optional(),
  'sha3-384': z.string().optional(),
  'sha3-512': z.string().optional(),
  'blake2s-256': z.string().optional(),
  'blake2b-256': z.string().optional(),
  'blake2b-512': z.string().optional(),
});

export const VexSubcomponent = z.strictObject({
  '@id': Iri.optional(),
  identifiers: Identifiers.optional(),
  hashes: Hashes.optional(),
});

export const VexProduct = VexSubcomponent.extend({ subcomponents: z.array(VexSubcomponent).optional() });
export type VexProduct = z.infer<typeof VexProduct>;

export const VexStatement = z
  .strictObject({
    '@id': Iri.optional(),
    version: z.number().int().min(1).optional(),
    vulnerability: VexVulnerability,
    timestamp: Timestamp.optional(),
    last_updated: Timestamp.optional(),
    products: z.array(VexProduct).optional(),
    status: VexStatus,
    supplier: z.string().optional(),
    status_notes: z.string().optional(),
    justification: VexJustification.optional(),
    impact_statement: z.string().optional(),
    action_statement: z.string().optional(),
    action_statement_timestamp: Timestamp.optional(),
  })
  // The spec's prose: `not_affected` MUST carry a justification or an impact statement (both are allowed
  // and recommended); `affected` MUST carry an action statement.
  .refine(
    (s) => s.status !== 'not_affected' || s.justification !== undefined || s.impact_statement !== undefined,
    {
      message: 'a not_affected statement needs a justification or an impact_statement',
      path: ['justification'],
    },
  )
  .refine((s) => s.status !== 'affected' || s.action_statement !== undefined, {
    message: 'an affected statement needs an action_statement',
    path: ['action_statement'],
  });
export type VexStatement = z.infer<typeof VexStatement>;

export const OpenVexDocument = z.strictObject({
  '@context': z.literal(OPENVEX_CONTEXT),
  '@id': Iri,
  author: z.string().min(1),
  role: z.string().optional(),
  timestamp: Timestamp,
  last_updated: Timestamp.optional(),
  version: z.number().int().min(1),
  tooling: z.string().optional(),
  statements: z.array(VexStatement).min(1),
});
export type OpenVexDocument = z.infer<typeof OpenVexDocument>;
