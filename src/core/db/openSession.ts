/** The one entry point that turns "where to explain" into a DatabaseSession. */
import type { DatabaseSession } from './session';
import { PgSession, type ServerAddress } from './pgSession';
import { openEmbeddedDatabase, type EmbeddedDatabaseOptions, type SqlFile } from './embeddedDatabase';
import { defaultLedgerPath, OwnScanLedger } from './ownScans';

export type SessionTarget =
  | ({ kind: 'server' } & ServerAddress)
  | ({
      kind: 'embedded';
      /** Schema and migration files, run in path order. */
      files: SqlFile[];
      seedFiles?: SqlFile[];
      label?: string;
    } & Pick<EmbeddedDatabaseOptions, 'generateData' | 'generateOptions'>);

export interface OpenSessionOptions {
  /** Each statement and its duration; never parameter values or passwords. */
  log?: (line: string) => void;
  connectTimeoutMs?: number;
  /** A server session whose connection broke (dropped, or no answer in time) calls this once. */
  onBroken?: () => void;
  /**
   * Where a server session records the table scans of our own runs of statements (every EXPLAIN ANALYZE and
   * measurement transaction, whoever asks for it), so `health` does not count them as the application's: by
   * default the user's ledger (defaultLedgerPath); false: nowhere (a session that only reads statistics).
   */
  ownScans?: OwnScanLedger | false;
  /** The embedded database on a thread of its own, running this bundled script (dist/pgliteWorker.js). */
  embeddedThreadScript?: string;
}

export async function openSession(target: SessionTarget, options: OpenSessionOptions = {}): Promise<DatabaseSession> {
  switch (target.kind) {
    case 'server': {
      const { kind: _kind, ...config } = target;
      return PgSession.connect({
        ...config,
        log: options.log,
        connectTimeoutMs: options.connectTimeoutMs,
        onBroken: options.onBroken,
        ownScans: options.ownScans === false ? undefined : (options.ownScans ?? new OwnScanLedger(defaultLedgerPath())),
      });
    }
    case 'embedded':
      return openEmbeddedDatabase(target.files, {
        seedFiles: target.seedFiles,
        label: target.label,
        log: options.log,
        generateData: target.generateData,
        generateOptions: target.generateOptions,
        threadScript: options.embeddedThreadScript,
      });
  }
}
