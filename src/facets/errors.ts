import { ZastavaError } from '../model/errors.ts';

export type FacetErrorCode =
  'FACETS_FILE_UNREADABLE' | 'FACETS_FILE_SYNTAX' | 'FACETS_FILE_INVALID' | 'FACET_UNKNOWN';

export class FacetError extends ZastavaError<FacetErrorCode> {}
