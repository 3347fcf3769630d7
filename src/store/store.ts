import type { CasBackend } from './cas/cas.ts';
import type { ManifestCache } from './cas/manifest-cache.ts';
import type { Db } from './db.ts';

/** What every store function takes: the database and the manifest CAS (which may be the same database). */
export interface Store {
  readonly db: Db;
  readonly cas: CasBackend;
  /** Decoded manifests for repeated reads (the webhook's baselines); every read still re-hashes. */
  readonly manifestCache?: ManifestCache | undefined;
}

/** Who did something and under which request: recorded in the audit log with every write. */
export interface Actor {
  /** A user, a token subject or a service name. */
  readonly actor: string;
  /** The request's correlation id (an AdmissionReview uid, an HTTP request id, a CLI run id). */
  readonly correlationId: string;
}
