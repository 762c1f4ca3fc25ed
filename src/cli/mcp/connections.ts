/**
 * The databases an MCP server may use, fixed when it starts: the user names them (`--connection name=URL`,
 * `--url`, a JSON file), and a tool names one of them. An agent never passes a URL: it would then choose the
 * server and carry credentials through the conversation, so anything URL-like as a connection is refused.
 */
import { readFileSync } from 'node:fs';
import type { SessionTarget } from '../../core/db/openSession';
import { dashboardDemoFiles } from '../../core/demo/dashboardDemo';
import { TunerError } from '../../core/errors';
import { UsageError } from '../args';
import { resolveSchemaFiles } from '../inputs';

/** The name of the embedded database (PGlite) every server offers. */
export const embeddedConnectionName = 'embedded';

const namePattern = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;

export interface NamedConnection {
  name: string;
  kind: 'server' | 'embedded';
  /** What the agent is told about it: never the URL or the password. */
  description: string;
  /** Opens it; the embedded one is loaded on first use. */
  target(): SessionTarget;
}

export interface ConnectionOptions {
  /** `name=postgres://…` pairs. */
  connections: string[];
  /** `--url`: named `default`. */
  url?: string;
  /** JSON: `{ "connections": { "name": "postgres://…" | { "url": "postgres://…" } } }`. */
  configPath?: string;
  /** Schema files for the embedded database; none: the demo dataset. */
  schema: string[];
  /** PGHOST/PGDATABASE/… here name a server `default` when --url does not (as for the CLI's commands). */
  env?: NodeJS.ProcessEnv;
}

/** As the CLI (runStatement.ts): PG* variables that name a server; PGUSER/PGPASSWORD alone do not. */
const serverVariables = ['PGHOST', 'PGHOSTADDR', 'PGDATABASE', 'PGSERVICE'];

function checkName(name: string, where: string): string {
  if (!namePattern.test(name)) {
    throw new UsageError(
      `${where}: connection name "${name}" must start with a letter and hold only letters, digits, _ . - (at most 63).`,
    );
  }
  if (name === embeddedConnectionName)
    throw new UsageError(`${where}: "${embeddedConnectionName}" is the embedded database's name; choose another.`);
  return name;
}

/** host:port/db of a URL, for the agent: which server, without user or password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL server ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'PostgreSQL server';
  }
}

function serverConnection(name: string, url: string): NamedConnection {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new UsageError(`connection "${name}" needs a postgres:// or postgresql:// URL.`);
  return {
    name,
    kind: 'server',
    description: describeUrl(url),
    target: () => ({ kind: 'server', connectionString: url, label: name }),
  };
}

function readConfig(path: string): Array<[string, string]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`Cannot read the connection file ${path}: ${(err as Error).message}`);
  }
  const connections = (parsed as { connections?: unknown } | null)?.connections;
  if (connections === null || typeof connections !== 'object' || Array.isArray(connections)) {
    throw new UsageError(`${path}: expected { "connections": { "name": "postgres://…" } }.`);
  }
  return Object.entries(connections as Record<string, unknown>).map(([name, value]) => {
    const url = typeof value === 'string' ? value : (value as { url?: unknown } | null)?.url;
    if (typeof url !== 'string')
      throw new UsageError(`${path}: connection "${name}" needs a URL (a string, or { "url": "postgres://…" }).`);
    return [checkName(name, path), url];
  });
}

/** All connections of the server, embedded first; usage errors name the flag or file at fault. */
export function configuredConnections(options: ConnectionOptions): Map<string, NamedConnection> {
  const pairs: Array<[string, string]> = [];
  if (options.url !== undefined) pairs.push(['default', options.url]);
  for (const text of options.connections) {
    const at = text.indexOf('=');
    if (at < 1)
      throw new UsageError(`--connection takes name=postgres://…, not "${text.replace(/:[^:@/]*@/, ':***@')}".`);
    pairs.push([checkName(text.slice(0, at), '--connection'), text.slice(at + 1)]);
  }
  if (options.configPath !== undefined) pairs.push(...readConfig(options.configPath));
  const out = new Map<string, NamedConnection>();
  // Schema paths are checked now, so a typo stops the server at start rather than at the first tool call.
  const schemaFiles = options.schema.length > 0 ? resolveSchemaFiles(options.schema) : undefined;
  out.set(embeddedConnectionName, {
    name: embeddedConnectionName,
    kind: 'embedded',
    description: schemaFiles
      ? `Embedded PostgreSQL (PGlite) loaded with ${schemaFiles.length} schema file(s); timings are not production timings.`
      : 'Embedded PostgreSQL (PGlite) with the demo dataset (users, orders); start with --schema to load your own.',
    target: () => {
      if (schemaFiles) return { kind: 'embedded', files: schemaFiles };
      const [schema, ...data] = dashboardDemoFiles();
      return { kind: 'embedded', files: [schema], seedFiles: data };
    },
  });
  for (const [name, url] of pairs) {
    if (out.has(name)) throw new UsageError(`Connection "${name}" is given twice.`);
    out.set(name, serverConnection(name, url));
  }
  const env = options.env ?? {};
  if (!out.has('default') && serverVariables.some((v) => env[v])) {
    // libpq's variables, read by pg when it connects; the password stays in PGPASSWORD or ~/.pgpass.
    const where = `${env.PGHOST ?? env.PGHOSTADDR ?? 'localhost'}${env.PGPORT ? `:${env.PGPORT}` : ''}${env.PGDATABASE ? `/${env.PGDATABASE}` : ''}`;
    out.set('default', {
      name: 'default',
      kind: 'server',
      description: `PostgreSQL server ${where} (from the PG* environment variables)`,
      target: () => ({ kind: 'server', label: 'default' }),
    });
  }
  return out;
}

/** What an agent passed as `connection`, when it is a URL or credentials rather than a name. */
export function looksLikeUrl(text: string): boolean {
  return /:\/\/|@|=|\s|^postgres(ql)?:/i.test(text);
}

/** The configured connection called `name`; a URL or an unknown name is refused, listing the names. */
export function connectionNamed(connections: Map<string, NamedConnection>, name: string): NamedConnection {
  const names = [...connections.keys()].join(', ');
  if (looksLikeUrl(name)) {
    throw new TunerError(
      'bad-input',
      `"connection" takes the name of a connection the user configured (${names}), never a URL or credentials; ask the user to add the server to the pg-tuner MCP configuration.`,
      {
        code: 'url-not-allowed',
      },
    );
  }
  const found = connections.get(name);
  if (!found)
    throw new TunerError('bad-input', `No connection named "${name}"; the configured ones are: ${names}.`, {
      code: 'unknown-connection',
    });
  return found;
}
