-- SPEC §8 tenant isolation. The application role owns nothing: the tables belong to the role that runs
-- the migrations, and every tenant transaction of the application runs `SET LOCAL ROLE zastava_app` with
-- `zastava.tenant` set for that transaction only (docs/decisions.md). Row-level security is FORCEd, so
-- it binds the owner too (superusers, which bypass RLS, are never used for tenant work).

-- Roles are cluster-wide: several databases or schemas may race to create it.
DO $$
BEGIN
  CREATE ROLE zastava_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END;
$$;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO zastava_app', current_schema());
  -- The migrating role must be able to SET ROLE to it (superusers always can).
  IF NOT pg_has_role(current_user, 'zastava_app', 'MEMBER') THEN
    EXECUTE format('GRANT zastava_app TO %I', current_user);
  END IF;
END;
$$;

GRANT SELECT, INSERT ON facet_seals, facet_drift_history, facet_seal_approvals, facet_vex_statements,
  facet_manifests, facet_audit_log TO zastava_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON facet_trusted_keys TO zastava_app;

ALTER TABLE facet_seals ENABLE ROW LEVEL SECURITY;
ALTER TABLE facet_seals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facet_seals
  USING (tenant = current_setting('zastava.tenant', true))
  WITH CHECK (tenant = current_setting('zastava.tenant', true));

ALTER TABLE facet_drift_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE facet_drift_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facet_drift_history
  USING (tenant = current_setting('zastava.tenant', true))
  WITH CHECK (tenant = current_setting('zastava.tenant', true));

ALTER TABLE facet_seal_approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE facet_seal_approvals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facet_seal_approvals
  USING (tenant = current_setting('zastava.tenant', true))
  WITH CHECK (tenant = current_setting('zastava.tenant', true));

ALTER TABLE facet_vex_statements ENABLE ROW LEVEL SECURITY;
ALTER TABLE facet_vex_statements FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facet_vex_statements
  USING (tenant = current_setting('zastava.tenant', true))
  WITH CHECK (tenant = current_setting('zastava.tenant', true));

ALTER TABLE facet_manifests ENABLE ROW LEVEL SECURITY;
ALTER TABLE facet_manifests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facet_manifests
  USING (tenant = current_setting('zastava.tenant', true))
  WITH CHECK (tenant = current_setting('zastava.tenant', true));

ALTER TABLE facet_audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE facet_audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facet_audit_log
  USING (tenant = current_setting('zastava.tenant', true))
  WITH CHECK (tenant = current_setting('zastava.tenant', true));

ALTER TABLE facet_trusted_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE facet_trusted_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facet_trusted_keys
  USING (tenant = current_setting('zastava.tenant', true))
  WITH CHECK (tenant = current_setting('zastava.tenant', true));
