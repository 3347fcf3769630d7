import { ZastavaError } from '../../src/model/errors.ts';

/** Failures of the chart test harness (helm, kubeconform, third-party CRDs). */
export type ChartHarnessErrorCode = 'TOOL_FAILED' | 'THIRD_PARTY_CRDS_UNAVAILABLE' | 'OPENAPI_UNAVAILABLE';

export class ChartHarnessError extends ZastavaError<ChartHarnessErrorCode> {}
