-- Storage only: what is stored and how it reads are unchanged (docs/decisions.md, "Store: envelope
-- compression"). A seal's DSSE envelope carries its whole manifest in base64: about 3 MB for an image of
-- 10,000 files. PostgreSQL's default TOAST compression (pglz) spent 30-36 ms of server time per 1.7 MB
-- envelope here; lz4 compresses these envelopes as well (to 35 %) in a quarter of that. A server built
-- without lz4 (PGlite) keeps them out of line uncompressed, where pglz cost as much as the rest of the
-- insert.
DO $$
BEGIN
  ALTER TABLE facet_seals ALTER COLUMN dsse_envelope SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  ALTER TABLE facet_seals ALTER COLUMN dsse_envelope SET STORAGE EXTERNAL;
END;
$$;
