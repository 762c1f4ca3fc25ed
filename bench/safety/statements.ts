/**
 * Adversarial statements explained through the tuner's server session against a real server, counted: how many
 * were tried, how many table rows they changed, and which side effects outlived the explain. Variants of the
 * cases in test/unit/db/adversarialStatements.ts: each non-transactional call written in other casings,
 * schema-qualified, as a quoted identifier, inside a CTE or a subquery, and hidden in a view, an operator, an
 * IMMUTABLE SQL function, a plpgsql function or a STABLE function; each with and without ANALYZE; plus the
 * standard_conforming_strings = off attack set on the database and in the connection's options.
 *
 * Uses the database at `url` (creates adv_t, adv_seq and schema adv there); the caller should give a
 * throw-away one. Needs a superuser (lo_export, replication slots, ALTER DATABASE).
 */
import { Client } from 'pg';
import { PgSession } from '../../src/core/db/pgSession';
import {
  availableExtensions,
  baseSetup,
  calls,
  caseReset,
  cleanUp,
  connectVictim,
  keptEffects,
  probe,
} from '../../test/unit/db/adversarialStatements';

interface Variant {
  name: string;
  setup: string;
  sql: string;
  extension?: string;
}

/** `pg_advisory_lock(4242)` → the call with its name written another way. */
function renamed(call: string, fn: string, spelling: string): string {
  return spelling + call.slice(fn.length);
}

function variantsOf(c: (typeof calls)[number]): Variant[] {
  const spellings: Array<[string, string]> = [
    ['plain', c.fn],
    ['upper case', c.fn.toUpperCase()],
    ['schema-qualified', c.extension ? c.fn : `pg_catalog.${c.fn}`],
    ['quoted identifier', `"${c.fn}"`],
  ];
  const out: Variant[] = [];
  for (const [label, spelling] of spellings) {
    const call = renamed(c.call, c.fn, spelling);
    out.push({ name: `${c.fn} ${label}`, setup: '', sql: `SELECT ${call}`, extension: c.extension });
  }
  const text = `(${c.call})::text`;
  out.push(
    {
      name: `${c.fn} in a CTE`,
      setup: '',
      sql: `WITH x AS (SELECT ${c.call} AS r) SELECT * FROM x`,
      extension: c.extension,
    },
    {
      name: `${c.fn} in a subquery`,
      setup: '',
      sql: `SELECT id FROM adv_t WHERE id > (SELECT count(*) FROM (SELECT ${c.call}) s)`,
      extension: c.extension,
    },
    {
      name: `${c.fn} in a view`,
      setup: `CREATE VIEW adv.v AS SELECT ${text} AS r;`,
      sql: 'SELECT * FROM adv.v',
      extension: c.extension,
    },
    {
      name: `${c.fn} in a view of a view`,
      setup: `CREATE VIEW adv.v1 AS SELECT ${text} AS r; CREATE VIEW adv."V2" AS SELECT * FROM adv.v1;`,
      sql: 'SELECT * FROM adv."V2"',
      extension: c.extension,
    },
    {
      name: `${c.fn} behind an operator`,
      setup:
        `CREATE FUNCTION adv.op(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT ${text} IS NOT NULL $$;` +
        'CREATE OPERATOR adv.#~# (FUNCTION = adv.op, LEFTARG = int, RIGHTARG = int);',
      sql: 'SELECT id FROM adv_t WHERE id OPERATOR(adv.#~#) 1',
      extension: c.extension,
    },
    {
      name: `${c.fn} in an IMMUTABLE SQL function`,
      setup: `CREATE FUNCTION adv.f() RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT ${text} $$;`,
      sql: 'SELECT adv.f()',
      extension: c.extension,
    },
    {
      name: `${c.fn} in a STABLE function called by a plpgsql function`,
      setup:
        `CREATE FUNCTION adv.inner_f() RETURNS text STABLE LANGUAGE sql AS $$ SELECT ${text} $$;` +
        'CREATE FUNCTION adv."Outer"() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN adv.inner_f(); END $$;',
      sql: 'SELECT adv."Outer"() FROM adv_t',
      extension: c.extension,
    },
    {
      name: `${c.fn} in a trigger on an INSERT`,
      setup:
        `CREATE TABLE adv.log (n int);` +
        `CREATE FUNCTION adv.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM ${c.call}; RETURN NEW; END $$;` +
        'CREATE TRIGGER t BEFORE INSERT ON adv.log FOR EACH ROW EXECUTE FUNCTION adv.trg();',
      sql: 'INSERT INTO adv.log VALUES (1)',
      extension: c.extension,
    },
  );
  // A column default may not hold a subquery (the victim's pid, the large object's oid are found by one).
  if (!/select/i.test(c.call)) {
    out.push({
      name: `${c.fn} in a column default`,
      setup: `CREATE TABLE adv.d (n int, r text DEFAULT ${text});`,
      sql: 'INSERT INTO adv.d (n) VALUES (1)',
      extension: c.extension,
    });
  }
  return out;
}

const wireVariants = [
  "SELECT 'a\\'' ; COMMIT; DELETE FROM adv_t; -- '",
  "select 'x\\'' ; commit ; update adv_t set v = 'z'; -- '",
  "SELECT N'a\\'' ; COMMIT; DELETE FROM adv_t WHERE id = 1; -- '",
  "SELECT 1 WHERE 'q\\'' = '' ; END; DELETE FROM adv_t; SELECT '",
];

/** Rows of adv_t that differ from the three it starts with. */
async function rowsChanged(client: Client): Promise<number> {
  const r = await client.query<{ n: number }>(`
    SELECT count(*)::int AS n FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS base(id, v)
      FULL JOIN adv_t USING (id) WHERE adv_t.v IS DISTINCT FROM base.v`);
  return r.rows[0].n;
}

export async function measureStatements(
  url: string,
): Promise<{ tried: number; rowsChanged: number; keptSideEffects: string[] }> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  let tried = 0;
  let changed = 0;
  const kept: string[] = [];
  let session: PgSession | undefined;
  try {
    await admin.query(baseSetup);
    const extensions = await availableExtensions(admin);
    const database = (await admin.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    session = await PgSession.connect({ connectionString: url });

    const attempt = async (s: PgSession, name: string, sql: string, analyze: boolean): Promise<void> => {
      await cleanUp(admin);
      const victim = await connectVictim(url);
      try {
        const before = await probe(admin, victim);
        tried++;
        await s.explain({ sql, analyze }).catch(() => undefined);
        const after = await probe(admin, victim);
        const n = await rowsChanged(admin);
        changed += n;
        for (const effect of keptEffects(before, after))
          kept.push(`${name} (${analyze ? 'ANALYZE' : 'estimate only'}): ${effect}`);
        const held = await s.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
        );
        if (held[0].n > 0)
          kept.push(`${name} (${analyze ? 'ANALYZE' : 'estimate only'}): advisory lock held by the session`);
      } finally {
        await victim.end().catch(() => undefined);
      }
    };

    for (const c of calls) {
      if (c.extension && !extensions.has(c.extension)) continue;
      for (const v of variantsOf(c)) {
        for (const analyze of [true, false]) {
          await admin.query(caseReset);
          if (v.extension) await admin.query(`CREATE EXTENSION IF NOT EXISTS ${v.extension}`);
          if (v.setup) await admin.query(v.setup);
          await attempt(session, v.name, v.sql, analyze);
        }
      }
    }

    if (extensions.has('dblink')) {
      const u = new URL(url);
      const conn = `host=${u.hostname} port=${u.port} dbname=${database} user=${decodeURIComponent(u.username)} password=${decodeURIComponent(u.password)}`;
      for (const [volatility, label] of [
        ['STABLE', 'a STABLE'],
        ['IMMUTABLE', 'an IMMUTABLE'],
        ['VOLATILE', 'a volatile'],
      ]) {
        for (const analyze of [true, false]) {
          await admin.query(caseReset);
          await admin.query(`CREATE EXTENSION IF NOT EXISTS dblink SCHEMA public;
            CREATE FUNCTION adv.wipe() RETURNS text ${volatility} LANGUAGE sql AS $$ SELECT public.dblink_exec('${conn.replace(/'/g, "''")}', 'DELETE FROM adv_t') $$;`);
          await attempt(session, `dblink_exec from ${label} function`, 'SELECT adv.wipe()', analyze);
        }
      }
    }

    for (const sql of wireVariants) {
      for (const analyze of [true, false]) {
        await admin.query(`ALTER DATABASE "${database}" SET standard_conforming_strings = off`);
        const onDatabase = await PgSession.connect({ connectionString: url });
        try {
          await attempt(onDatabase, `standard_conforming_strings = off on the database: ${sql}`, sql, analyze);
        } finally {
          await onDatabase.close();
          await admin.query(`ALTER DATABASE "${database}" RESET standard_conforming_strings`);
        }
        const withOptions = new URL(url);
        withOptions.searchParams.set('options', '-c standard_conforming_strings=off');
        const onConnection = await PgSession.connect({ connectionString: withOptions.toString() });
        try {
          await attempt(onConnection, `standard_conforming_strings = off in options: ${sql}`, sql, analyze);
        } finally {
          await onConnection.close();
        }
      }
    }
    await cleanUp(admin);
  } finally {
    await session?.close();
    await admin.query('DROP SCHEMA IF EXISTS adv CASCADE').catch(() => undefined);
    await admin.end();
  }
  return { tried, rowsChanged: changed, keptSideEffects: kept };
}
