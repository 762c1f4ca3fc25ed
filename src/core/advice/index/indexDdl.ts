/** The SQL text of a candidate: the CONCURRENTLY DDL we offer, its rollback, and the forms we build to test it. */
import type { IndexCandidate, IndexKey } from '../indexSuggestion';
import { qualifiedName, quoteIdentifier } from './identifiers';

function keySql(key: IndexKey): string {
  const base = key.column !== undefined ? quoteIdentifier(key.column) : `(${key.expression ?? ''})`;
  return [base, key.opclass, key.descending ? 'DESC' : undefined].filter((p) => p !== undefined).join(' ');
}

/** `ON orders (user_id, created_at) INCLUDE (total) WHERE …`: everything after the index name. */
export function indexBody(c: IndexCandidate): string {
  const using = c.method === 'btree' ? '' : ` USING ${c.method}`;
  const include = c.include.length > 0 ? ` INCLUDE (${c.include.map(quoteIdentifier).join(', ')})` : '';
  const where = c.predicate ? ` WHERE ${c.predicate}` : '';
  return `ON ${qualifiedName(c.schema, c.table)}${using} (${c.keys.map(keySql).join(', ')})${include}${where}`;
}

/** What we offer: built without blocking writes, by the user, outside a transaction. */
export function createIndexSql(c: IndexCandidate): string {
  return `CREATE INDEX CONCURRENTLY ${quoteIdentifier(c.name)} ${indexBody(c)};`;
}

export function dropIndexSql(c: IndexCandidate): string {
  return `DROP INDEX CONCURRENTLY ${qualifiedName(c.schema, c.name)};`;
}

/** For a rolled-back measurement: CONCURRENTLY cannot run inside a transaction block. */
export function transactionalCreateSql(c: IndexCandidate): string {
  return `CREATE INDEX ${quoteIdentifier(c.name)} ${indexBody(c)}`;
}

/** The statement hypopg_create_index() takes; HypoPG names the index itself. */
export function hypotheticalCreateSql(c: IndexCandidate): string {
  return `CREATE INDEX ${indexBody(c)}`;
}

/** A stable identity for deduplication: same table, method, keys, include and predicate. */
export function candidateKey(c: IndexCandidate): string {
  return `${c.schema ?? ''}.${c.table}|${indexBody(c)}`;
}
