import { ZastavaError } from '../model/errors.ts';

/**
 * `POLICY_INVALID`: a FacetPolicy or ClusterFacetPolicy read from the API server fails the zod schema
 * (the CRD's OpenAPI schema checks less: map keys, for example); the informer skips it and says which.
 * `CRD_SCHEMA_UNSUPPORTED`: the zod schema produced a JSON Schema keyword Kubernetes cannot take.
 * `PULL_SECRET_INVALID`: an image pull secret is not a readable `.dockerconfigjson` / `.dockercfg`.
 * `PULL_SECRET_UNREADABLE`: the API server refused or failed to return a secret or service account.
 */
export type K8sErrorCode =
  'POLICY_INVALID' | 'CRD_SCHEMA_UNSUPPORTED' | 'PULL_SECRET_INVALID' | 'PULL_SECRET_UNREADABLE';

export class K8sError extends ZastavaError<K8sErrorCode> {}
