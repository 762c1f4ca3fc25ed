/**
 * Where "Add Connection" looks for a ready-made connection: the editor's `PG*` environment variables and a
 * `DATABASE_URL` in the workspace `.env`. Pure functions; the command reads the files.
 */
import type { ConnectionSetting, SslMode } from '../settings';
import { isSslMode } from '../../core/db/sslModes';

export interface ConnectionSuggestion {
  /** Where it came from, shown in the picker: "PG* environment variables", ".env DATABASE_URL". */
  source: string;
  setting: ConnectionSetting;
  /** A password found alongside; the command stores it in SecretStorage, never in settings. */
  password?: string;
}

/** KEY=value lines; `#` comments, `export ` prefixes and single/double quotes as dotenv writes them. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]] = value;
  }
  return out;
}

/** postgres://user:pass@host:port/db?sslmode=require → a setting and its password; undefined if not a URL. */
export function parseConnectionUrl(
  url: string,
  label: string,
): { setting: ConnectionSetting; password?: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return undefined;
  const sslmode = toSslMode(parsed.searchParams.get('sslmode') ?? undefined);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    setting: {
      label,
      host: decodeURIComponent(parsed.hostname) || undefined,
      port: parsed.port ? Number(parsed.port) : undefined,
      database: database || undefined,
      user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      sslmode,
    },
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

function toSslMode(value: string | undefined): SslMode | undefined {
  return isSslMode(value) ? value : undefined;
}

/** Suggestions in order of preference; those whose label is already configured are left out. */
export function connectionSuggestions(
  env: Record<string, string | undefined>,
  dotEnvText: string | undefined,
  existingLabels: ReadonlySet<string> = new Set(),
): ConnectionSuggestion[] {
  const out: ConnectionSuggestion[] = [];
  if (dotEnvText !== undefined) {
    const url = parseDotEnv(dotEnvText).DATABASE_URL;
    const parsed = url ? parseConnectionUrl(url, '.env DATABASE_URL') : undefined;
    if (parsed) out.push({ source: '.env DATABASE_URL', ...parsed });
  }
  if (env.DATABASE_URL) {
    const parsed = parseConnectionUrl(env.DATABASE_URL, 'DATABASE_URL');
    if (parsed) out.push({ source: 'DATABASE_URL environment variable', ...parsed });
  }
  if (env.PGHOST || env.PGDATABASE || env.PGUSER || env.PGPORT) {
    out.push({
      source: 'PG* environment variables',
      setting: {
        label: `${env.PGUSER ?? 'postgres'}@${env.PGHOST ?? 'localhost'}/${env.PGDATABASE ?? env.PGUSER ?? 'postgres'}`,
        host: env.PGHOST,
        port: env.PGPORT ? Number(env.PGPORT) : undefined,
        database: env.PGDATABASE,
        user: env.PGUSER,
        sslmode: toSslMode(env.PGSSLMODE),
      },
      password: env.PGPASSWORD,
    });
  }
  return out.filter((s) => !existingLabels.has(s.setting.label));
}
