import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { readText } from '../../core/read-file.ts';
import type { FixTlsOptions } from './session.ts';

/** `live.fix.tls` as the config gives it: PEM file paths (already resolved against the config file). */
export interface FixTlsFiles {
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly servername?: string | undefined;
}

/**
 * Read the PEM files of a FIX TLS config into {@link FixTlsOptions}. A file that is missing, unreadable or not
 * PEM is `TRD_ERR_CONFIG_INVALID` naming the setting and the path, before any connection is attempted.
 */
export function loadFixTls(files: FixTlsFiles, where = 'live.fix.tls'): FixTlsOptions {
  const pem = (key: 'caFile' | 'certFile' | 'keyFile'): string | undefined => {
    const path = files[key];
    if (path === undefined) return undefined;
    const text = readText(path, {
      code: ErrorCode.CONFIG_INVALID,
      message: `${where}.${key}: cannot read ${path}`,
      context: { path: `${where}.${key}`, file: path }
    });
    if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) {
      throw new TradestateError(ErrorCode.CONFIG_INVALID, `${where}.${key}: ${path} is not a PEM file`, {
        path: `${where}.${key}`,
        file: path
      });
    }
    return text;
  };
  const ca = pem('caFile');
  const cert = pem('certFile');
  const key = pem('keyFile');
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(files.servername !== undefined ? { servername: files.servername } : {})
  };
}
