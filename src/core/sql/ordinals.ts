/**
 * `GROUP BY 1, 2` and `ORDER BY 3 DESC`: ordinals name a column of the select list. Analytics SQL writes them
 * all the time; the rewrite rules read column references, so the ordinals are resolved first, to the same
 * meaning PostgreSQL gives them: in GROUP BY the select item's expression, in ORDER BY the output column (by its
 * name where it has one, which ORDER BY resolves to the output column before any input column).
 */
import type { Node, SelectStmt } from '@pgsql/types';
import { clone, nodeAs, walkNodes, wrap } from './ast';

/** The 1-based ordinal an item is, when it is a bare integer constant. */
function ordinalOf(node: Node | undefined): number | undefined {
  const c = nodeAs(node, 'A_Const');
  if (!c || !c.ival) return undefined;
  // libpg-query leaves `ival` empty for 0, which is no ordinal.
  const n = c.ival.ival;
  return typeof n === 'number' && n > 0 ? n : undefined;
}

/** The select item `n` as a plain expression (no star), with its output name when it has one. */
function selectItem(stmt: SelectStmt, n: number): { expr: Node; name?: string } | undefined {
  const target = nodeAs(stmt.targetList?.[n - 1], 'ResTarget');
  if (!target?.val) return undefined;
  const ref = nodeAs(target.val, 'ColumnRef');
  if (ref?.fields?.some((f) => nodeAs(f, 'A_Star') !== undefined)) return undefined;
  return { expr: target.val, name: target.name };
}

function resolveIn(stmt: SelectStmt): void {
  if ((stmt.op && stmt.op !== 'SETOP_NONE') || !stmt.targetList) return;
  stmt.groupClause = stmt.groupClause?.map((item) => {
    const n = ordinalOf(item);
    const target = n === undefined ? undefined : selectItem(stmt, n);
    return target ? clone(target.expr) : item;
  });
  for (const entry of stmt.sortClause ?? []) {
    const sortBy = nodeAs(entry, 'SortBy');
    const n = ordinalOf(sortBy?.node);
    const target = n === undefined ? undefined : selectItem(stmt, n);
    if (!sortBy || !target) continue;
    sortBy.node = target.name
      ? wrap('ColumnRef', { fields: [wrap('String', { sval: target.name })] })
      : clone(target.expr);
  }
}

/**
 * A copy of `stmt` with the ordinals of its GROUP BY and ORDER BY, and of every SELECT nested in it, resolved
 * to what they name; the statement means the same.
 */
export function resolveOrdinals(stmt: SelectStmt): SelectStmt {
  const out = clone(stmt);
  resolveIn(out);
  walkNodes(out, (kind, payload) => {
    if (kind === 'SelectStmt') resolveIn(payload as SelectStmt);
    return true;
  });
  return out;
}
