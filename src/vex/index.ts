export { VexError, type VexErrorCode } from './errors.ts';
export {
  OPENVEX_CONTEXT,
  OPENVEX_PAYLOAD_TYPE,
  OpenVexDocument,
  VexStatement,
  VexStatus,
  VexJustification,
  VexProduct,
} from './schema.ts';
export {
  DRIFT_URN_PREFIX,
  PLACEHOLDER_IMPACT,
  PLACEHOLDER_MARKER,
  driftUrn,
  type DriftBinding,
} from './acknowledgement.ts';
export { generateVex, type GenerateVexOptions } from './generate.ts';
export { signVex, parseVexDocument } from './sign.ts';
export { verifyVexForAdmission, productDigest, type VexAdmission } from './verify.ts';
