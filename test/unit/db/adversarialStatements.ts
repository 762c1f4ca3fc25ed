/**
 * Statements built to change data or keep a side effect while being explained, each with the set-up it
 * needs, why it is dangerous and what the tuner must do. Used by test/unit/db/adversarial.test.ts (real
 * server) and bench/safety/statements.ts (variants of these, counted).
 *
 * Every case runs in a database made by `baseSetup`: table adv_t (3 rows), sequence adv_seq at 100, a large
 * object, and a schema `adv` that each case's own set-up fills (dropped and made again before each case).
 */
import { rmSync } from 'node:fs';
import { Client } from 'pg';

/** Objects every case may use; run once per database. `victimApp` names the connection the attacks target. */
export const victimApp = 'adv-victim';
export const loExportPath = '/tmp/pg-tuner-adv-lo-export.txt';
export const copyPath = '/tmp/pg-tuner-adv-copy.txt';

export const baseSetup = `
DROP TABLE IF EXISTS adv_t; DROP SEQUENCE IF EXISTS adv_seq;
CREATE TABLE adv_t (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO adv_t VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE SEQUENCE adv_seq; SELECT setval('adv_seq', 100);
SELECT lo_from_bytea(0, '\\x41'::bytea) WHERE NOT EXISTS (SELECT 1 FROM pg_largeobject_metadata);
`;

/** Made afresh before each case. */
export const caseReset = 'DROP SCHEMA IF EXISTS adv CASCADE; CREATE SCHEMA adv;';

export type AdversarialPath =
  | 'direct'
  | 'view'
  | 'operator'
  | 'immutable-sql-function'
  | 'plpgsql-function'
  | 'stable-function'
  | 'trigger'
  | 'internal-alias'
  | 'wire';

export interface AdversarialStatement {
  name: string;
  /** SQL run before the case (trusted, several statements), after caseReset. */
  setup: string;
  /** What the user asks to explain. */
  sql: string;
  why: string;
  path: AdversarialPath;
  /** The function the refusal must name (undefined: not refused by name, see `expect`). */
  fn?: string;
  /** What the refusal must say when it names no function call (`runs COPY`); else `fn()`. */
  refusal?: string;
  /** The words the refusal's path must hold, e.g. ['view', 'adv.v'] shown as "view v → …". */
  pathWords: string[];
  /** 'refused': an unsafe-statement error naming fn and the path; 'no-effect': refused or run, but nothing kept. */
  expect: 'refused' | 'no-effect';
  /** Needs this extension (skipped where it is not available). */
  extension?: string;
}

interface Call {
  fn: string;
  /** A call that would keep its effect if run. */
  call: string;
  why: string;
  extension?: string;
}

const victimPid = `(SELECT pid FROM pg_catalog.pg_stat_activity WHERE application_name = '${victimApp}' LIMIT 1)`;

/** The non-transactional calls, one per kind of kept effect. */
export const calls: Call[] = [
  {
    fn: 'pg_advisory_lock',
    call: 'pg_advisory_lock(4242)',
    why: 'a session advisory lock stays held after ROLLBACK in the long-lived session',
  },
  {
    fn: 'pg_try_advisory_lock',
    call: 'pg_try_advisory_lock(4243)',
    why: 'a session advisory lock stays held after ROLLBACK',
  },
  {
    fn: 'pg_terminate_backend',
    call: `pg_terminate_backend(${victimPid})`,
    why: 'ends another session; a rollback cannot bring it back',
  },
  { fn: 'pg_cancel_backend', call: `pg_cancel_backend(${victimPid})`, why: "cancels another session's statement" },
  {
    fn: 'setval',
    call: "setval('adv_seq', 1)",
    why: 'a sequence moved backwards makes the next INSERT fail on a duplicate key',
  },
  {
    fn: 'lo_export',
    call: `lo_export((SELECT min(oid) FROM pg_largeobject_metadata), '${loExportPath}')`,
    why: 'writes a file on the server',
  },
  { fn: 'pg_stat_reset', call: 'pg_stat_reset()', why: 'statistics resets are not transactional' },
  {
    fn: 'pg_create_physical_replication_slot',
    call: "pg_create_physical_replication_slot('adv_slot')",
    why: 'a replication slot holds WAL until dropped',
  },
  {
    fn: 'pg_file_write',
    call: "pg_file_write('adv-file.txt', 'x', false)",
    why: 'writes a file in the data directory',
    extension: 'adminpack',
  },
];

/** A call's value as text, for a function body that returns text. */
function asText(c: Call): string {
  return `(${c.call})::text`;
}

function casesFor(c: Call): AdversarialStatement[] {
  const base = { fn: c.fn, expect: 'refused' as const, extension: c.extension };
  return [
    { ...base, name: `${c.fn} direct`, setup: '', sql: `SELECT ${c.call}`, why: c.why, path: 'direct', pathWords: [] },
    {
      ...base,
      name: `${c.fn} through a view`,
      setup: `CREATE VIEW adv.v AS SELECT ${asText(c)} AS r;`,
      sql: 'SELECT * FROM adv.v',
      why: `${c.why}; the view hides the call from the statement`,
      path: 'view',
      pathWords: ['view v'],
    },
    {
      ...base,
      name: `${c.fn} through an operator`,
      setup:
        `CREATE FUNCTION adv.op(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT ${asText(c)} IS NOT NULL $$;` +
        'CREATE OPERATOR adv.#~# (FUNCTION = adv.op, LEFTARG = int, RIGHTARG = int);',
      sql: 'SELECT 1 OPERATOR(adv.#~#) 2',
      why: `${c.why}; an operator's function is not a call the statement shows`,
      path: 'operator',
      pathWords: ['operator #~#', 'function op'],
    },
    {
      ...base,
      name: `${c.fn} in an IMMUTABLE SQL function`,
      setup: `CREATE FUNCTION adv.f() RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT ${asText(c)} $$;`,
      sql: 'SELECT adv.f()',
      why: `${c.why}; declared IMMUTABLE, it would even run in a READ ONLY transaction and at plan time`,
      path: 'immutable-sql-function',
      pathWords: ['function f'],
    },
    {
      ...base,
      name: `${c.fn} in a plpgsql function`,
      setup: `CREATE FUNCTION adv.g() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN ${asText(c)}; END $$;`,
      sql: 'SELECT adv.g() FROM adv_t',
      why: `${c.why}; the call is in a plpgsql body`,
      path: 'plpgsql-function',
      pathWords: ['function g'],
    },
    {
      ...base,
      name: `${c.fn} in a trigger of the INSERT's table`,
      setup:
        'CREATE TABLE adv.log (n int);' +
        `CREATE FUNCTION adv.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM ${c.call}; RETURN NEW; END $$;` +
        'CREATE TRIGGER t BEFORE INSERT ON adv.log FOR EACH ROW EXECUTE FUNCTION adv.trg();',
      sql: 'INSERT INTO adv.log VALUES (1)',
      why: `${c.why}; the target table's trigger runs it`,
      path: 'trigger',
      pathWords: ['table log', 'trigger t', 'function trg'],
    },
  ];
}

/** dblink_exec writes on a connection of its own that commits by itself, even from a STABLE function. */
export function dblinkCase(selfConnection: string): AdversarialStatement {
  return {
    name: 'dblink_exec from a STABLE function',
    setup: `CREATE EXTENSION IF NOT EXISTS dblink SCHEMA public;
      CREATE FUNCTION adv.wipe() RETURNS text STABLE LANGUAGE sql AS $$ SELECT public.dblink_exec('${selfConnection.replace(/'/g, "''")}', 'DELETE FROM adv_t') $$;`,
    sql: 'SELECT adv.wipe()',
    why: 'the DELETE commits on the dblink connection; rolling back ours does not undo it',
    path: 'stable-function',
    fn: 'dblink_exec',
    pathWords: ['function wipe'],
    expect: 'refused',
    extension: 'dblink',
  };
}

/** With standard_conforming_strings = off the server reads `\'` as a quote: three statements, one string to us. */
export const wireAttack = "SELECT 'a\\'' ; COMMIT; DELETE FROM adv_t; -- '";

export const wireCases: AdversarialStatement[] = [
  {
    name: 'standard_conforming_strings = off: a COMMIT and DELETE hidden in a string',
    setup: '',
    sql: wireAttack,
    why: 'our parser sees one string literal, the server three statements: the DELETE would be committed',
    path: 'wire',
    pathWords: [],
    expect: 'no-effect',
  },
];

/**
 * A refused function under another name: `LANGUAGE internal` (or C) points at the same code, so the name the
 * statement shows is not the one on the list (superuser only, but a schema may hold one).
 */
export const aliasCases: AdversarialStatement[] = [
  {
    name: 'pg_terminate_backend under another name (LANGUAGE internal)',
    setup: `CREATE FUNCTION adv.tidy_session(int, bigint DEFAULT 0) RETURNS boolean LANGUAGE internal STRICT VOLATILE AS 'pg_terminate_backend';`,
    sql: `SELECT adv.tidy_session(${victimPid})`,
    why: 'ends another session; the alias hides the name from a check by name',
    path: 'internal-alias',
    fn: 'pg_terminate_backend',
    pathWords: ['function tidy_session'],
    expect: 'refused',
  },
  {
    name: 'setval under another name (LANGUAGE internal)',
    setup: `CREATE FUNCTION adv.seq_alias(regclass, bigint) RETURNS bigint LANGUAGE internal STRICT VOLATILE AS 'setval_oid';`,
    sql: "SELECT adv.seq_alias('adv_seq', 1)",
    why: 'moves the sequence back; the alias hides the name',
    path: 'internal-alias',
    fn: 'setval',
    pathWords: ['function seq_alias'],
    expect: 'refused',
  },
];

/** COPY in a function body writes a file on the server (or runs a program): no rollback undoes either. */
export const copyCases: AdversarialStatement[] = [
  {
    name: 'COPY … TO a file in a plpgsql function',
    setup: `CREATE FUNCTION adv.dump() RETURNS int LANGUAGE plpgsql AS $$ BEGIN COPY (SELECT 1) TO '${copyPath}'; RETURN 1; END $$;`,
    sql: 'SELECT adv.dump()',
    why: 'the file stays written after ROLLBACK',
    path: 'plpgsql-function',
    fn: 'COPY',
    refusal: 'runs COPY',
    pathWords: ['function dump'],
    expect: 'refused',
  },
  {
    name: 'COPY … TO PROGRAM built in EXECUTE, in a trigger',
    setup:
      'CREATE TABLE adv.log (n int);' +
      `CREATE FUNCTION adv.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'copy (select 1) to program ''touch ${copyPath}'''; RETURN NEW; END $$;` +
      'CREATE TRIGGER t BEFORE INSERT ON adv.log FOR EACH ROW EXECUTE FUNCTION adv.trg();',
    sql: 'INSERT INTO adv.log VALUES (1)',
    why: 'the program ran; a rollback cannot undo it',
    path: 'trigger',
    fn: 'COPY',
    refusal: 'runs COPY',
    pathWords: ['table log', 'trigger t', 'function trg'],
    expect: 'refused',
  },
];

export const adversarialStatements: AdversarialStatement[] = [...calls.flatMap(casesFor), ...aliasCases, ...copyCases];

/** What the probe reads; compared before and after a case. */
export interface Probe {
  rows: string;
  sequence: string;
  advisoryLocks: number;
  victimAlive: boolean;
  loFile: boolean;
  statsReset: string;
  slots: number;
  adminFile: boolean;
  copyFile: boolean;
}

/** The kept effects of every call above, read on a connection of its own (`victim` must be the victim). */
export async function probe(client: Client, victim: Client): Promise<Probe> {
  const r = await client.query<{
    rows: string;
    sequence: string;
    locks: number;
    stats: string;
    slots: number;
    lofile: boolean;
    adminfile: boolean;
    copyfile: boolean;
  }>(`
    SELECT (SELECT coalesce(md5(string_agg(id || ':' || v, ',' ORDER BY id)), '') FROM adv_t) AS rows,
           (SELECT last_value::text FROM adv_seq) AS sequence,
           (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory') AS locks,
           (SELECT coalesce(stats_reset::text, '') FROM pg_stat_database WHERE datname = current_database()) AS stats,
           (SELECT count(*)::int FROM pg_replication_slots) AS slots,
           (pg_stat_file('${loExportPath}', true)).size IS NOT NULL AS lofile,
           (pg_stat_file('adv-file.txt', true)).size IS NOT NULL AS adminfile,
           (pg_stat_file('${copyPath}', true)).size IS NOT NULL AS copyfile`);
  let victimAlive = true;
  try {
    await victim.query('SELECT 1');
  } catch {
    victimAlive = false;
  }
  const row = r.rows[0];
  return {
    rows: row.rows,
    sequence: row.sequence,
    advisoryLocks: row.locks,
    victimAlive,
    loFile: row.lofile,
    statsReset: row.stats,
    slots: row.slots,
    adminFile: row.adminfile,
    copyFile: row.copyfile,
  };
}

/** Names of what differs between two probes: the side effects kept. */
export function keptEffects(before: Probe, after: Probe): string[] {
  return (Object.keys(before) as Array<keyof Probe>).filter((k) => before[k] !== after[k]);
}

/** Undoes what a case kept, so the next case starts clean; also run before the first. */
export async function cleanUp(client: Client): Promise<void> {
  await client.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'adv_slot'`,
  );
  await client.query(`SELECT pg_advisory_unlock_all()`);
  await client.query(
    `DELETE FROM adv_t; INSERT INTO adv_t VALUES (1, 'a'), (2, 'b'), (3, 'c'); SELECT setval('adv_seq', 100);`,
  );
  // The server runs on this machine as this user (the throw-away test server): its files are ours to remove.
  rmSync(loExportPath, { force: true });
  rmSync(copyPath, { force: true });
  await client
    .query(
      `SELECT pg_catalog.pg_file_unlink('adv-file.txt') FROM pg_extension WHERE extname = 'adminpack' AND (pg_stat_file('adv-file.txt', true)).size IS NOT NULL`,
    )
    .catch(() => undefined);
}

/** A connection the attacks try to end or cancel. */
export async function connectVictim(url: string): Promise<Client> {
  const victim = new Client({ connectionString: url, application_name: victimApp });
  victim.on('error', () => undefined);
  await victim.connect();
  return victim;
}

/** Extensions this server can install. */
export async function availableExtensions(client: Client): Promise<Set<string>> {
  const r = await client.query<{ name: string }>('SELECT name FROM pg_available_extensions');
  return new Set(r.rows.map((x) => x.name));
}
