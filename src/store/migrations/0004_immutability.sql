-- SPEC §8: seals, approvals, VEX statements, drift history, the audit log and stored manifests are
-- append-only. The triggers bind every role, the owner included; the application role has no UPDATE or
-- DELETE grant either. A seal is superseded by a newer one, never edited.
CREATE FUNCTION zastava_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % refused: rows are append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'ZA001';
END;
$$;

CREATE TRIGGER tg_facet_seals_immutable BEFORE UPDATE OR DELETE ON facet_seals
  FOR EACH ROW EXECUTE FUNCTION zastava_reject_change();
CREATE TRIGGER tg_facet_seals_no_truncate BEFORE TRUNCATE ON facet_seals
  FOR EACH STATEMENT EXECUTE FUNCTION zastava_reject_change();

CREATE TRIGGER tg_facet_drift_history_immutable BEFORE UPDATE OR DELETE ON facet_drift_history
  FOR EACH ROW EXECUTE FUNCTION zastava_reject_change();
CREATE TRIGGER tg_facet_drift_history_no_truncate BEFORE TRUNCATE ON facet_drift_history
  FOR EACH STATEMENT EXECUTE FUNCTION zastava_reject_change();

CREATE TRIGGER tg_facet_seal_approvals_immutable BEFORE UPDATE OR DELETE ON facet_seal_approvals
  FOR EACH ROW EXECUTE FUNCTION zastava_reject_change();
CREATE TRIGGER tg_facet_seal_approvals_no_truncate BEFORE TRUNCATE ON facet_seal_approvals
  FOR EACH STATEMENT EXECUTE FUNCTION zastava_reject_change();

CREATE TRIGGER tg_facet_vex_statements_immutable BEFORE UPDATE OR DELETE ON facet_vex_statements
  FOR EACH ROW EXECUTE FUNCTION zastava_reject_change();
CREATE TRIGGER tg_facet_vex_statements_no_truncate BEFORE TRUNCATE ON facet_vex_statements
  FOR EACH STATEMENT EXECUTE FUNCTION zastava_reject_change();

CREATE TRIGGER tg_facet_audit_log_immutable BEFORE UPDATE OR DELETE ON facet_audit_log
  FOR EACH ROW EXECUTE FUNCTION zastava_reject_change();
CREATE TRIGGER tg_facet_audit_log_no_truncate BEFORE TRUNCATE ON facet_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION zastava_reject_change();

CREATE TRIGGER tg_facet_manifests_immutable BEFORE UPDATE OR DELETE ON facet_manifests
  FOR EACH ROW EXECUTE FUNCTION zastava_reject_change();
CREATE TRIGGER tg_facet_manifests_no_truncate BEFORE TRUNCATE ON facet_manifests
  FOR EACH STATEMENT EXECUTE FUNCTION zastava_reject_change();
