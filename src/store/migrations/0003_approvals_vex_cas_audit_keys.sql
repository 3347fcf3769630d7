-- Baseline approvals (SPEC §8): the baseline of a repository is the most recently approved digest.
-- `approved_at` is the database's clock, one clock for every replica; `seq` breaks ties in insertion
-- order and is never shown (it counts all tenants' rows).
CREATE TABLE facet_seal_approvals (
  approval_id UUID PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  tenant TEXT NOT NULL,
  image_repository TEXT NOT NULL,
  image_digest TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  reason TEXT,
  correlation_id TEXT NOT NULL
);
CREATE INDEX ix_facet_seal_approvals_latest
  ON facet_seal_approvals (tenant, image_repository, approved_at DESC, seq DESC);

-- Signed OpenVEX documents (SPEC §12). `facet_id` is NULL for a document about the whole image.
CREATE TABLE facet_vex_statements (
  statement_id UUID PRIMARY KEY,
  tenant TEXT NOT NULL,
  image_digest TEXT NOT NULL,
  facet_id TEXT,
  document JSONB NOT NULL,
  dsse_envelope JSONB NOT NULL,
  submitted_by TEXT NOT NULL,
  submitted_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  correlation_id TEXT NOT NULL
);
CREATE INDEX ix_facet_vex_image ON facet_vex_statements (tenant, image_digest, facet_id);

-- The CAS in PostgreSQL: `cas:sha256:<hex of the canonical manifest JSON>` -> compressed bytes.
-- Scoped by tenant (decision, docs/decisions.md): a global CAS would let one tenant probe whether
-- another stores a given manifest, and read it by key.
CREATE TABLE facet_manifests (
  tenant TEXT NOT NULL,
  cas_key TEXT NOT NULL,
  encoding TEXT NOT NULL CHECK (encoding IN ('zstd')),
  content BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant, cas_key)
);
-- Already compressed: do not let TOAST try again.
ALTER TABLE facet_manifests ALTER COLUMN content SET STORAGE EXTERNAL;

-- Who did what, per tenant, with the correlation id of the request (seed §9.4).
CREATE TABLE facet_audit_log (
  audit_id UUID PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  tenant TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  occurred_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  details JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_facet_audit_tenant ON facet_audit_log (tenant, occurred_at DESC, seq DESC);

-- The tenant's keyring: the public keys whose seal and VEX signatures the tenant trusts (SPEC §7 rotation:
-- `active` or `archived`, with a validity window). Keys are rotated, so rows may change; the audit log
-- records every change.
CREATE TABLE facet_trusted_keys (
  tenant TEXT NOT NULL,
  key_id TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'archived')),
  not_before TIMESTAMPTZ,
  not_after TIMESTAMPTZ,
  added_by TEXT NOT NULL,
  added_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant, key_id)
);
