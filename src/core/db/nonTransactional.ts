/**
 * Functions whose effect a ROLLBACK does not undo, and the catalog walk that finds them wherever a statement
 * reaches them: called directly, through a view or rule, an operator, a trigger, a column default, a
 * constraint, a policy, an index expression, an aggregate's support functions, or the body of a function
 * (SQL, plpgsql or any other language whose source is text) — transitively, up to a bounded depth.
 *
 * Bodies are read as words: every word of a body that names a function, relation or operator is taken as
 * reached (more than really runs, never less, except for names built at run time from pieces); the word COPY
 * (a file written or a program run on the server) is refused wherever a body holds it. A function over the
 * code of a listed one (`LANGUAGE internal AS 'pg_terminate_backend'`) is refused as that one.
 */
import type { ReachStart } from './statementSafety';

export interface NonTransactionalFunction {
  name: string;
  /** Why a rollback does not undo it (shown to the user). */
  reason: string;
}

const advisory = 'takes or releases a session-level advisory lock, which ROLLBACK does not release or restore';
const statsReset = 'resets cumulative statistics, which are kept outside transactions';
const slot = 'creates, drops or advances a replication slot, which lives outside transactions';
const origin =
  "changes replication origin progress or the session's origin, kept in shared memory outside transactions";
const dblink =
  'works on a dblink connection: the remote server commits on its own, and named connections stay open in the session after ROLLBACK';
const adminpackFile = 'writes, renames or removes a file on the server (adminpack), which ROLLBACK does not undo';

/**
 * Matched by name among functions written in C or internal (so a user's own SQL function of the same name is
 * walked into instead), in any schema, so that extensions installed in any schema are covered.
 * Researched against the PostgreSQL 12–18 function tables ("System Administration Functions", "Advisory Lock
 * Functions", "Sequence Manipulation Functions", large objects, adminpack, dblink, pg_stat_statements).
 */
export const nonTransactionalFunctions: readonly NonTransactionalFunction[] = [
  ...[
    'pg_advisory_lock',
    'pg_advisory_lock_shared',
    'pg_try_advisory_lock',
    'pg_try_advisory_lock_shared',
    'pg_advisory_unlock',
    'pg_advisory_unlock_shared',
    'pg_advisory_unlock_all',
  ].map((name) => ({ name, reason: advisory })),
  { name: 'pg_terminate_backend', reason: 'ends another session; a rollback cannot bring it back' },
  { name: 'pg_cancel_backend', reason: "cancels another session's running statement; a rollback cannot undo that" },
  { name: 'pg_log_backend_memory_contexts', reason: 'signals another server process to write to the server log' },
  {
    name: 'setval',
    reason:
      'sets a sequence, and sequence changes are never rolled back (a sequence moved back makes later INSERTs fail on duplicate keys)',
  },
  { name: 'lo_export', reason: 'writes a large object to a file on the server, which ROLLBACK does not remove' },
  ...[
    'pg_stat_reset',
    'pg_stat_reset_shared',
    'pg_stat_reset_single_table_counters',
    'pg_stat_reset_single_function_counters',
    'pg_stat_reset_slru',
    'pg_stat_reset_replication_slot',
    'pg_stat_reset_subscription_stats',
    'pg_stat_reset_backend_stats',
    'pg_stat_statements_reset',
  ].map((name) => ({ name, reason: statsReset })),
  ...[
    'pg_create_physical_replication_slot',
    'pg_create_logical_replication_slot',
    'pg_drop_replication_slot',
    'pg_copy_physical_replication_slot',
    'pg_copy_logical_replication_slot',
    'pg_replication_slot_advance',
    'pg_logical_slot_get_changes',
    'pg_logical_slot_get_binary_changes',
    'pg_sync_replication_slots',
  ].map((name) => ({
    name,
    reason: name.startsWith('pg_logical_slot_get')
      ? 'consumes changes from a logical replication slot (moves the slot forward), outside transactions'
      : slot,
  })),
  ...[
    'pg_replication_origin_create',
    'pg_replication_origin_drop',
    'pg_replication_origin_advance',
    'pg_replication_origin_session_setup',
    'pg_replication_origin_session_reset',
  ].map((name) => ({ name, reason: origin })),
  {
    name: 'pg_logical_emit_message',
    reason: 'with transactional = false the message is written to WAL and decoded even when the transaction rolls back',
  },
  { name: 'pg_switch_wal', reason: 'switches the server to a new WAL file' },
  { name: 'pg_create_restore_point', reason: 'writes a named restore point to WAL' },
  { name: 'pg_log_standby_snapshot', reason: 'writes a standby snapshot record to WAL' },
  ...['pg_start_backup', 'pg_stop_backup', 'pg_backup_start', 'pg_backup_stop'].map((name) => ({
    name,
    reason: 'starts or stops an online backup of the whole server',
  })),
  { name: 'pg_promote', reason: 'promotes a standby server to primary' },
  ...['pg_wal_replay_pause', 'pg_wal_replay_resume'].map((name) => ({
    name,
    reason: 'pauses or resumes WAL replay on a standby server',
  })),
  { name: 'pg_reload_conf', reason: 'makes every server process reload the configuration files' },
  { name: 'pg_rotate_logfile', reason: 'switches the server log to a new file' },
  { name: 'pg_logfile_rotate', reason: 'switches the server log to a new file (adminpack)' },
  ...['pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_file_sync'].map((name) => ({
    name,
    reason: adminpackFile,
  })),
  ...['pg_restore_relation_stats', 'pg_clear_relation_stats'].map((name) => ({
    name,
    reason: "overwrites a table's planner statistics in place, as VACUUM does, outside the transaction",
  })),
  ...['pg_buffercache_evict', 'pg_buffercache_evict_relation', 'pg_buffercache_evict_all'].map((name) => ({
    name,
    reason: 'evicts pages from the shared buffer cache for every session',
  })),
  ...[
    'dblink',
    'dblink_exec',
    'dblink_connect',
    'dblink_connect_u',
    'dblink_disconnect',
    'dblink_open',
    'dblink_fetch',
    'dblink_close',
    'dblink_send_query',
    'dblink_get_result',
    'dblink_cancel_query',
  ].map((name) => ({ name, reason: dblink })),
];

const reasonOf = new Map(nonTransactionalFunctions.map((f) => [f.name, f.reason]));

export function nonTransactionalReason(name: string): string | undefined {
  return reasonOf.get(name);
}

/**
 * After every EXPLAIN, also on error or cancel: a fixed text of our own (no user text), so one simple query.
 * pg_advisory_unlock_all() releases any session-level advisory lock the statement took despite the checks
 * (a lock reached through a name built at run time), so the long-lived session never keeps one.
 */
export const rollbackAndUnlock = 'ROLLBACK; SELECT pg_catalog.pg_advisory_unlock_all()';

/**
 * SET LOCAL around the catalog walk (fixed texts of our own). JIT off: the walk's cost estimate can pass
 * jit_above_cost, and compiling it would take seconds. A generic plan: the walk is a prepared statement, and
 * planning it anew each time (a custom plan) costs more than running it.
 */
export const walkSettings = 'SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_generic_plan';
export const walkSettingsUndone = 'SET LOCAL jit TO DEFAULT; SET LOCAL plan_cache_mode TO DEFAULT';

export interface ReachedFunction {
  name: string;
  /** The way to it: ["view v", "function f", "function pg_advisory_lock"]. */
  path: string[];
  /** A function declared STABLE or IMMUTABLE is on the way: the planner may run it even without ANALYZE. */
  plannerMayRun: boolean;
}

/**
 * $1 function names, $2 relation names for to_regclass, $3 operator names, $4 the denylist's names.
 * Returns one row: standard_conforming_strings, the edges of the graph reached from the statement (json) and
 * the called functions' volatility (json). A node's definition (a function's CREATE FUNCTION text, a
 * relation's rules, triggers, defaults, constraints, policies and index definitions) is read as words; the
 * words that name a function, relation or operator users made (oid ≥ 16384), or a denylisted function, are
 * its edges. (pg_depend is not enough: it leaves out every reference to a built-in function.) UNION, not
 * UNION ALL, keeps each edge once, so the walk ends however the objects refer to each other. Runs on
 * PostgreSQL 12–18 and PGlite.
 */
export const reachQuery = `
WITH RECURSIVE
-- What a word may name, found once: functions, relations and operators users made, and the denylist.
-- The code of each denylisted function written in C or internal: its symbol (prosrc) in its library (probin). A
-- function of another name over the same code (CREATE FUNCTION tidy(int) LANGUAGE internal AS
-- 'pg_terminate_backend') is the same function, refused under the listed name.
denied_code AS MATERIALIZED (
  SELECT DISTINCT ON (p.prosrc, coalesce(p.probin, '')) p.prosrc, coalesce(p.probin, '') AS probin, p.proname::text AS listed
    FROM pg_catalog.pg_proc p
   WHERE p.proname = ANY($4::text[]) AND p.prolang IN (SELECT l.oid FROM pg_catalog.pg_language l WHERE l.lanname IN ('internal', 'c'))
),
denied_fn AS MATERIALIZED (
  SELECT p.oid, d.listed
    FROM pg_catalog.pg_proc p JOIN denied_code d ON d.prosrc = p.prosrc AND d.probin = coalesce(p.probin, '')
   WHERE p.prolang IN (SELECT l.oid FROM pg_catalog.pg_language l WHERE l.lanname IN ('internal', 'c'))
),
named_fn AS MATERIALIZED (
  SELECT lower(p.proname::text) AS word, p.oid, coalesce(d.listed, p.proname::text) AS name, p.provolatile <> 'v' AS planner,
         d.oid IS NOT NULL AS denied
    FROM pg_catalog.pg_proc p LEFT JOIN denied_fn d ON d.oid = p.oid WHERE p.oid >= 16384 OR p.proname = ANY($4::text[])
),
named_rel AS MATERIALIZED (
  SELECT lower(c.relname::text) AS word, c.oid, c.relname::text AS name,
         CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' ELSE 'table ' END || c.relname::text AS label
    FROM pg_catalog.pg_class c WHERE c.oid >= 16384 AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
),
named_op AS MATERIALIZED (
  SELECT o.oprname::text AS opr, p.oid, p.proname::text AS name, p.provolatile <> 'v' AS planner, false AS denied
    FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode WHERE o.oid >= 16384
),
start(kind, oid, steps, name, planner, denied) AS (
  SELECT 'f', p.oid, ARRAY['function ' || p.proname::text], coalesce(d.listed, p.proname::text), p.provolatile <> 'v',
         d.oid IS NOT NULL
    FROM pg_catalog.pg_proc p LEFT JOIN denied_fn d ON d.oid = p.oid WHERE p.proname = ANY($1::text[])
  UNION ALL
  SELECT 'r', c.oid,
         ARRAY[CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' WHEN 'f' THEN 'foreign table ' ELSE 'table ' END || c.relname::text],
         c.relname::text, false, false
    FROM unnest($2::text[]) AS r(name) JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(r.name)
  UNION ALL
  SELECT 'f', o.oid, ARRAY['operator ' || o.opr, 'function ' || o.name], o.name, o.planner, o.denied
    FROM named_op o WHERE o.opr = ANY($3::text[])
),
edge(pkind, poid, kind, oid, steps, name, planner, denied) AS (
  SELECT NULL::text, NULL::oid, kind, oid, steps, name, planner, denied FROM start
  UNION
  SELECT w.kind, w.oid, n.kind, n.oid, n.steps, n.name, n.planner, n.denied
    FROM edge w
    CROSS JOIN LATERAL (
      SELECT t.kind, t.oid, CASE WHEN d.via IS NULL THEN t.steps ELSE d.via || t.steps END AS steps, t.name, t.planner, t.denied
        FROM (
          SELECT NULL::text AS via, pg_catalog.pg_get_functiondef(p.oid) AS def
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
           WHERE w.kind = 'f' AND p.oid = w.oid AND l.lanname NOT IN ('internal', 'c') AND p.prokind <> 'a'
          UNION ALL
          SELECT CASE WHEN r.rulename = '_RETURN' THEN NULL ELSE 'rule ' || r.rulename::text END, pg_catalog.pg_get_ruledef(r.oid)
            FROM pg_catalog.pg_rewrite r WHERE w.kind = 'r' AND r.ev_class = w.oid
          UNION ALL
          SELECT 'trigger ' || t.tgname::text, pg_catalog.pg_get_triggerdef(t.oid) FROM pg_catalog.pg_trigger t WHERE w.kind = 'r' AND t.tgrelid = w.oid
          UNION ALL
          SELECT 'column default', pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) FROM pg_catalog.pg_attrdef ad WHERE w.kind = 'r' AND ad.adrelid = w.oid
          UNION ALL
          SELECT 'constraint ' || co.conname::text, pg_catalog.pg_get_constraintdef(co.oid) FROM pg_catalog.pg_constraint co WHERE w.kind = 'r' AND co.conrelid = w.oid
          UNION ALL
          SELECT 'policy ' || po.polname::text,
                 coalesce(pg_catalog.pg_get_expr(po.polqual, po.polrelid), '') || ' ' || coalesce(pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid), '')
            FROM pg_catalog.pg_policy po WHERE w.kind = 'r' AND po.polrelid = w.oid
          UNION ALL
          SELECT 'index ' || i.indexrelid::regclass::text, pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index i WHERE w.kind = 'r' AND i.indrelid = w.oid
        ) d
        CROSS JOIN LATERAL (
          SELECT 'f' AS kind, f.oid, ARRAY['function ' || f.name] AS steps, f.name, f.planner, f.denied
            FROM (SELECT DISTINCT word FROM unnest(regexp_split_to_array(lower(d.def), '[^a-z0-9_$]+')) AS word) words
            JOIN named_fn f ON f.word = words.word
          UNION ALL
          SELECT 'r', r.oid, ARRAY[r.label], r.name, false, false
            FROM (SELECT DISTINCT word FROM unnest(regexp_split_to_array(lower(d.def), '[^a-z0-9_$]+')) AS word) words
            JOIN named_rel r ON r.word = words.word
          UNION ALL
          SELECT 'f', o.oid, ARRAY['operator ' || o.opr, 'function ' || o.name], o.name, o.planner, o.denied
            FROM named_op o WHERE strpos(d.def, o.opr) > 0
          UNION ALL
          -- COPY in a body (static, or in an EXECUTE string) writes a file on the server or runs a program.
          SELECT 'c', 0::oid, ARRAY['COPY'], 'COPY', false, true WHERE 'copy' = ANY (regexp_split_to_array(lower(d.def), '[^a-z0-9_$]+'))
        ) t
      UNION ALL
      -- An aggregate's support functions (its definition is not a CREATE FUNCTION text).
      SELECT 'f', p2.oid, ARRAY['function ' || p2.proname::text], p2.proname::text, p2.provolatile <> 'v', false
        FROM pg_catalog.pg_aggregate a
        JOIN pg_catalog.pg_proc p2 ON p2.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn)
       WHERE w.kind = 'f' AND a.aggfnoid = w.oid
      UNION ALL
      -- Partitions and inheritance children: a write to the parent reaches their triggers.
      SELECT 'r', i.inhrelid, ARRAY['table ' || c.relname::text], c.relname::text, false, false
        FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE w.kind = 'r' AND i.inhparent = w.oid
    ) n
   WHERE NOT (n.kind = w.kind AND n.oid = w.oid)
)
SELECT pg_catalog.current_setting('standard_conforming_strings') AS standard_conforming_strings,
       (SELECT pg_catalog.json_agg(json_build_object(
                 'from', e.pkind || e.poid, 'to', e.kind || e.oid, 'steps', e.steps, 'planner', e.planner,
                 'denied', e.denied, 'name', e.name))
          FROM edge e) AS edges,
       (SELECT pg_catalog.json_agg(json_build_object('schema', n.nspname, 'name', p.proname, 'provolatile', p.provolatile::text))
          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.proname = ANY($1::text[])) AS volatility`;

interface Edge {
  from: string | null;
  to: string;
  steps: string[];
  planner: boolean;
  denied: boolean;
  name: string;
}

/**
 * The denylisted functions reachable through the edges, each by its shortest way; a second search state per
 * node keeps whether a STABLE/IMMUTABLE function lies on the way, so a way the planner may run is found even
 * when a shorter, all-volatile way exists.
 */
export function reachedFunctions(edges: Edge[]): ReachedFunction[] {
  const out = new Map<string, ReachedFunction>();
  const from = new Map<string, Edge[]>();
  for (const e of edges) {
    if (e.from === null) continue;
    const list = from.get(e.from) ?? [];
    list.push(e);
    from.set(e.from, list);
  }
  const seen = new Set<string>();
  let frontier = edges.filter((e) => e.from === null).map((e) => ({ edge: e, path: e.steps, planner: e.planner }));
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      const key = `${f.edge.to}:${f.planner}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (f.edge.denied) {
        const hitKey = `${f.edge.name}:${f.planner}`;
        if (!out.has(hitKey)) out.set(hitKey, { name: f.edge.name, path: f.path, plannerMayRun: f.planner });
        continue;
      }
      for (const e of from.get(f.edge.to) ?? [])
        next.push({ edge: e, path: [...f.path, ...e.steps], planner: f.planner || e.planner });
    }
    frontier = next;
  }
  // Ways the planner may run first: they are refused even without ANALYZE.
  return [...out.values()].sort(
    (a, b) => Number(b.plannerMayRun) - Number(a.plannerMayRun) || a.path.length - b.path.length,
  );
}

export interface ReachReply {
  standardConformingStrings: boolean;
  reached: ReachedFunction[];
  volatility: Array<{ schema: string; name: string; provolatile: string }>;
}

function jsonArray(value: unknown): unknown[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed : [];
}

/** The reachQuery row, typed. */
export function readReachReply(row: Record<string, unknown> | undefined): ReachReply {
  const edges = jsonArray(row?.edges).map((raw) => {
    const r = raw as Record<string, unknown>;
    return {
      from: typeof r.from === 'string' ? r.from : null,
      to: String(r.to),
      steps: Array.isArray(r.steps) ? r.steps.map(String) : [],
      planner: r.planner === true,
      denied: r.denied === true,
      name: String(r.name),
    };
  });
  const volatility = jsonArray(row?.volatility).map((v) => {
    const r = v as { schema: unknown; name: unknown; provolatile: unknown };
    return { schema: String(r.schema), name: String(r.name), provolatile: String(r.provolatile) };
  });
  return {
    standardConformingStrings: row?.standard_conforming_strings !== 'off',
    reached: reachedFunctions(edges),
    volatility,
  };
}

export function reachParams(start: ReachStart): unknown[] {
  return [
    [...new Set(start.functions.map((f) => f.name))],
    start.relations,
    start.operators,
    nonTransactionalFunctions.map((f) => f.name),
  ];
}

/** What the walk reports for a COPY command in a body it reached (not a function: no `()`). */
export const copyCommand = 'COPY';

/** "view v → function f → function pg_advisory_lock" and why, for a refusal. */
export function describeReached(hit: ReachedFunction): string {
  if (hit.name === copyCommand) {
    // The path's last step is COPY itself; the functions before it are the way.
    const way = hit.path.slice(0, -1);
    return (
      `it runs COPY${way.length > 0 ? ` (in ${way.join(' → ')})` : ''}, which can write a file on the server or run a program ` +
      '(COPY … TO, TO PROGRAM, FROM PROGRAM), and a rollback undoes neither'
    );
  }
  const reason = nonTransactionalReason(hit.name) ?? 'is not undone by a rollback';
  const last = hit.path[hit.path.length - 1];
  // Reached under another name (a LANGUAGE internal or C function over the same code): said so.
  const alias = last && last !== `function ${hit.name}` ? `, under the name ${last.replace(/^function /, '')}` : '';
  const path = hit.path.length > 1 || alias ? ` (reached through ${hit.path.join(' → ')})` : '';
  return `it calls ${hit.name}()${alias}${path}, which ${reason}`;
}
