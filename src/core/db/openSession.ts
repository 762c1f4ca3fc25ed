/** The one entry point that turns "where to explain" into a DatabaseSession. */
import type { ConnectionOptions } from 'node:tls';
import type { DatabaseSession } from './session';
import { PgSession } from './pgSession';
import { openEmbeddedDatabase, type SqlFile } from './embeddedDatabase';

export type SessionTarget =
  | {
      kind: 'server';
      /** postgres://… URL; the separate fields override its parts. */
      connectionString?: string;
      host?: string;
      port?: number;
      database?: string;
      user?: string;
      password?: string;
      ssl?: boolean | ConnectionOptions;
      label?: string;
    }
  | {
      kind: 'embedded';
      /** Schema and migration files, run in path order. */
      files: SqlFile[];
      seedFiles?: SqlFile[];
      label?: string;
    };

export interface OpenSessionOptions {
  /** Each statement and its duration; never parameter values or passwords. */
  log?: (line: string) => void;
  connectTimeoutMs?: number;
}

export async function openSession(target: SessionTarget, options: OpenSessionOptions = {}): Promise<DatabaseSession> {
  switch (target.kind) {
    case 'server': {
      const { kind: _kind, ...config } = target;
      return PgSession.connect({ ...config, log: options.log, connectTimeoutMs: options.connectTimeoutMs });
    }
    case 'embedded':
      return openEmbeddedDatabase(target.files, { seedFiles: target.seedFiles, label: target.label, log: options.log });
  }
}
