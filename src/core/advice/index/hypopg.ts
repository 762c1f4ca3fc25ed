/**
 * HypoPG: hypothetical indexes that only the planner of this backend sees. Created one statement at a
 * time, planned with plain EXPLAIN, and always reset afterwards.
 */
import type { DatabaseSession } from '../../db/session';
import type { IndexCandidate } from '../indexSuggestion';
import { hypotheticalCreateSql } from './indexDdl';

export interface HypopgStatus {
  available: boolean;
  version?: string;
  reason?: string;
}

/** HypoPG before 1.1 lacks INCLUDE support and hypopg_relation_size works differently: we ask for 1.1+. */
const minimumVersion = [1, 1, 0];

function versionAtLeast(version: string, minimum: number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < minimum.length; i++) {
    const v = Number.isFinite(parts[i]) ? parts[i] : 0;
    if (v !== minimum[i]) return v > minimum[i];
  }
  return true;
}

/** Installed in this database, recent enough, and its functions answer (the library matches the SQL objects). */
export async function hypopgStatus(session: DatabaseSession): Promise<HypopgStatus> {
  const rows = await session.query<{ installed: string | null; available: string | null }>(
    `SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'hypopg') AS installed,
            (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'hypopg') AS available`,
  );
  const installed = rows[0]?.installed ?? undefined;
  if (!installed) {
    const hint = rows[0]?.available ? ' (available: CREATE EXTENSION hypopg)' : '';
    return { available: false, reason: `HypoPG is not installed in this database${hint}.` };
  }
  if (!versionAtLeast(installed, minimumVersion)) {
    return {
      available: false,
      version: installed,
      reason: `HypoPG ${installed} is too old (1.1 or later needed): ALTER EXTENSION hypopg UPDATE.`,
    };
  }
  try {
    await session.query('SELECT pg_catalog.count(*) AS n FROM hypopg_reset()');
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    return {
      available: false,
      version: installed,
      reason: `HypoPG ${installed} is installed but does not work (${message}); ALTER EXTENSION hypopg UPDATE may fix it.`,
    };
  }
  return { available: true, version: installed };
}

export interface HypotheticalIndex {
  oid: number;
  name: string;
  sizeBytes?: number;
}

export async function createHypothetical(
  session: DatabaseSession,
  candidate: IndexCandidate,
): Promise<HypotheticalIndex> {
  const rows = await session.query<{ indexrelid: number; indexname: string }>(
    'SELECT indexrelid::int8 AS indexrelid, indexname FROM hypopg_create_index($1)',
    [hypotheticalCreateSql(candidate)],
  );
  const oid = Number(rows[0].indexrelid);
  let sizeBytes: number | undefined;
  try {
    const size = await session.query<{ size: string }>('SELECT hypopg_relation_size($1::oid)::int8 AS size', [oid]);
    sizeBytes = Number(size[0]?.size);
  } catch {
    // Older HypoPG versions estimate no size; the figure is optional.
  }
  return { oid, name: String(rows[0].indexname), sizeBytes };
}

export async function resetHypothetical(session: DatabaseSession): Promise<void> {
  await session.query('SELECT pg_catalog.count(*) AS n FROM hypopg_reset()');
}
