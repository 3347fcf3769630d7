import { ZastavaError } from '../model/errors.ts';

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_UNREADABLE';

export class ConfigError extends ZastavaError<ConfigErrorCode> {}
