-- The webhook's hot read in ONE round trip (docs/decisions.md, "Store: baseline lookup in one round
-- trip"): a tenant transaction is BEGIN + scope, the query, COMMIT; this function scopes itself exactly as
-- `withTenant` does (the tenant setting and the application role, for this transaction only), so that it
-- can be called as one statement in its own implicit transaction. It runs with the caller's rights
-- (SECURITY INVOKER): a caller that may not assume zastava_app cannot call it, and after the role switch
-- every table read is under row-level security like any tenant query. The function's SET clause restores
-- the tenant setting and the role when it returns.
--
-- Rows: the repository's latest approval (approved_at, then seq, newest first; served by
-- ix_facet_seal_approvals_latest) joined with its seal rows in definition order and, per seal, the stored
-- manifest as p_read asks: 'content' (base64, which both drivers carry much faster than bytea's hex),
-- 'digest' (the hex SHA-256 of the stored bytes, for a reader whose cache holds bytes it verified), or
-- 'none' (the manifests are in another CAS). No approval: no row; an approval without seals: one row with
-- NULL seal columns.
CREATE FUNCTION zastava_baseline_manifests(p_tenant text, p_repository text, p_read text)
RETURNS TABLE (
  approval_id uuid, image_repository text, image_digest text, approved_by text, approved_at timestamptz,
  reason text, correlation_id text, seal_id uuid, image_ref text, config_digest text, facet_id text,
  facet_type text, merkle_root text, file_count integer, total_bytes bigint, sealed_at timestamptz,
  sealed_by text, quota_json jsonb, manifest_cas text, facet_definitions_digest text, created_at timestamptz,
  stored_digest text, stored_content text)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
  IF p_tenant IS NULL OR p_tenant = '' OR p_read NOT IN ('content', 'digest', 'none') THEN
    RAISE EXCEPTION 'zastava_baseline_manifests: a tenant and a read mode are required';
  END IF;
  PERFORM set_config('zastava.tenant', p_tenant, true), set_config('role', 'zastava_app', true);
  RETURN QUERY
    WITH a AS (
      SELECT approval_id, image_repository, image_digest, approved_by, approved_at, reason, correlation_id
      FROM facet_seal_approvals
      WHERE tenant = p_tenant AND image_repository = p_repository
      ORDER BY approved_at DESC, seq DESC
      LIMIT 1)
    SELECT a.approval_id, a.image_repository, a.image_digest, a.approved_by, a.approved_at, a.reason,
      a.correlation_id, s.seal_id, s.image_ref, s.config_digest, s.facet_id, s.facet_type, s.merkle_root,
      s.file_count, s.total_bytes, s.sealed_at, s.sealed_by, s.quota_json, s.manifest_cas,
      s.facet_definitions_digest, s.created_at,
      CASE WHEN p_read = 'digest' THEN encode(sha256(m.content), 'hex') END,
      CASE WHEN p_read = 'content' THEN encode(m.content, 'base64') END
    FROM a
    LEFT JOIN facet_seals s ON s.tenant = p_tenant AND s.image_digest = a.image_digest
    LEFT JOIN facet_manifests m ON p_read <> 'none' AND m.tenant = p_tenant AND m.cas_key = s.manifest_cas
    ORDER BY s.facet_position, s.facet_id;
END;
$$;
