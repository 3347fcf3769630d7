-- SPEC §3, §8: every seal records the digest of the image config blob, the identity that survives
-- `docker save` -> push; the webhook looks seals up by manifest digest, then by config digest.
ALTER TABLE facet_seals ADD COLUMN config_digest TEXT NOT NULL;
CREATE INDEX ix_facet_seals_config ON facet_seals (tenant, config_digest);
-- The second DSSE envelope of a seal: its root statement, which inclusion proofs verify against.
ALTER TABLE facet_seals ADD COLUMN root_envelope JSONB;
-- `SealSet.facetDefinitionsDigest` (unsigned): drift refuses to compare seals made with different
-- facet definitions. NULL for seal sets written before it existed.
ALTER TABLE facet_seals ADD COLUMN facet_definitions_digest TEXT;
-- The seal's position in its set: facets are read back in definition order (SPEC §5), not by name.
ALTER TABLE facet_seals ADD COLUMN facet_position INTEGER NOT NULL DEFAULT 0;
-- Listing a tenant's seals newest first, and drift history by image.
CREATE INDEX ix_facet_seals_sealed ON facet_seals (tenant, sealed_at DESC, seal_id);
CREATE INDEX ix_facet_drift_current ON facet_drift_history (tenant, current_seal_id);
