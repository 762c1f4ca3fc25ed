/**
 * The one module that owns the PostgreSQL parser (libpg-query, PostgreSQL 18 grammar, WASM).
 * Everything else asks this module; nothing else imports libpg-query.
 */
import { loadModule, parseSync, fingerprintSync, scanSync, normalizeSync } from 'libpg-query';
import type { ParseResult, ScanResult } from 'libpg-query';
import { TunerError } from '../errors';
import { codePointToUtf16 } from './offsets';

let loading: Promise<void> | undefined;

/** Loads the WASM parser once; every other function here needs it done. */
export function loadParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

interface SqlErrorLike {
  message: string;
  sqlDetails?: { message: string; cursorPosition: number };
}

function toTunerError(err: unknown, sql: string): TunerError {
  const e = err as SqlErrorLike;
  const cursor = e.sqlDetails?.cursorPosition;
  // The cursor counts characters (code points); an emoji before the error would shift a UTF-16 offset.
  const offset = typeof cursor === 'number' && cursor >= 0 ? codePointToUtf16(sql, cursor) : undefined;
  const message = e.sqlDetails?.message ?? e.message ?? String(err);
  return new TunerError('syntax-error', message, { offset, cause: err });
}

/** Parses SQL; throws TunerError('syntax-error') with the 0-based offset of the error. */
export function parseSql(sql: string): ParseResult {
  try {
    return parseSync(sql);
  } catch (err) {
    throw toTunerError(err, sql);
  }
}

export function scanSql(sql: string): ScanResult {
  try {
    return scanSync(sql);
  } catch (err) {
    throw toTunerError(err, sql);
  }
}

export function fingerprintSql(sql: string): string {
  try {
    return fingerprintSync(sql);
  } catch (err) {
    throw toTunerError(err, sql);
  }
}

export function normalizeSql(sql: string): string {
  try {
    return normalizeSync(sql);
  } catch (err) {
    throw toTunerError(err, sql);
  }
}
