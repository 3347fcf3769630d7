import { ZastavaError } from '../../src/model/errors.ts';

/** Failures of the e2e harness (tool builds, the throwaway control plane). */
export type HarnessErrorCode =
  | 'TOOLS_VERSIONS_INVALID'
  | 'TOOLS_MISSING'
  | 'TOOLS_BUILD_FAILED'
  | 'CLUSTER_START_FAILED'
  | 'CLUSTER_START_TIMEOUT';

export class HarnessError extends ZastavaError<HarnessErrorCode> {}
