/**
 * The shape of the `pgTuner.*` settings, free of `vscode` so that unit tests and the connection suggestions
 * can use it. `config.ts` reads them; package.json `contributes.configuration` declares them.
 */
import { isSslMode, type SslMode } from '../core/db/sslModes';

export type { SslMode } from '../core/db/sslModes';

export interface ConnectionSetting {
  /** Unique name shown in the status bar; also the key of the password in SecretStorage. */
  label: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  sslmode?: SslMode;
  /** Never run EXPLAIN ANALYZE of a statement that writes, even rolled back. */
  readOnly?: boolean;
  /** Ask before running EXPLAIN ANALYZE (it executes the statement). */
  production?: boolean;
  statementTimeoutMs?: number;
  /**
   * Name of an environment variable of the editor's process holding the password, for CI and tests where
   * SecretStorage can't be seeded. When unset the password comes from SecretStorage (asked on first connect).
   */
  passwordEnv?: string;
}

export interface TunerSettings {
  connections: ConnectionSetting[];
  lockTimeoutMs: number;
  embeddedSchemaGlob: string;
  embeddedSeedGlob: string;
  /** Rows for the tables the schema and seed files leave empty: auto generates them, off leaves them empty. */
  embeddedGenerateData: 'off' | 'auto';
  /** Rows of the largest generated table. */
  embeddedScale: number;
  /** Workspace-relative pg-tuner stats file (`pg-tuner stats export`) that shapes the generated rows, when it exists. */
  embeddedStatsFile: string;
  /** When the embedded database starts in the background: as the workspace opens (it holds schema files), or once SQL is in view. */
  embeddedStartWhen: 'workspaceOpens' | 'sqlInView';
  staticDiagnostics: boolean;
  adviceAfterExplain: boolean;
  adviceMigrationFolder: string;
  /** Build and time index candidates on sample copies of the tables (no lock on them), and the share copied. */
  adviseSampleCopy: boolean;
  adviseSampleCopyFraction: number;
}

export const defaultSettings: TunerSettings = {
  connections: [],
  lockTimeoutMs: 2000,
  embeddedSchemaGlob: '**/{schema,migrations}/**/*.sql',
  embeddedSeedGlob: '**/seed/**/*.sql',
  embeddedGenerateData: 'auto',
  embeddedScale: 20_000,
  embeddedStatsFile: '.pgtuner/stats.json',
  embeddedStartWhen: 'workspaceOpens',
  staticDiagnostics: true,
  adviceAfterExplain: true,
  adviceMigrationFolder: '',
  adviseSampleCopy: false,
  adviseSampleCopyFraction: 0.1,
};

/** Keeps well-formed entries only: a hand-edited settings.json must not break the extension. */
export function sanitizeConnections(value: unknown): ConnectionSetting[] {
  if (!Array.isArray(value)) return [];
  const out: ConnectionSetting[] = [];
  const seen = new Set<string>();
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const v = item as Record<string, unknown>;
    if (typeof v.label !== 'string' || v.label.trim() === '' || seen.has(v.label)) continue;
    seen.add(v.label);
    const str = (key: string): string | undefined =>
      typeof v[key] === 'string' && v[key] !== '' ? (v[key] as string) : undefined;
    const num = (key: string): number | undefined =>
      typeof v[key] === 'number' && Number.isFinite(v[key]) ? (v[key] as number) : undefined;
    const sslmode = str('sslmode');
    out.push({
      label: v.label,
      host: str('host'),
      port: num('port'),
      database: str('database'),
      user: str('user'),
      sslmode: isSslMode(sslmode) ? sslmode : undefined,
      readOnly: v.readOnly === true,
      production: v.production === true,
      statementTimeoutMs: num('statementTimeoutMs'),
      passwordEnv: str('passwordEnv'),
    });
  }
  return out;
}

/** "user@host:port/db", for pickers and messages; never contains a password. */
export function describeConnection(c: ConnectionSetting): string {
  return `${c.user ?? 'postgres'}@${c.host ?? 'localhost'}:${c.port ?? 5432}/${c.database ?? c.user ?? 'postgres'}`;
}
