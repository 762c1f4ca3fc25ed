/**
 * Lookup tables joined to the dimension of a grouped join: `users u JOIN plans p ON p.id = u.plan_id JOIN orders
 * o ON o.user_id = u.id … GROUP BY u.id, p.name`. A dashboard shows the user's plan or country beside the
 * aggregates of their orders. Such a table joined by its unique key adds columns to each user, never rows: a LEFT
 * JOIN finds at most one row, an inner join exactly one when the user's column is NOT NULL and a foreign key
 * to that key. The aggregate-before-join rule then reads the join as its two tables, and joins the lookups to
 * the dimension again wherever the rewrite joins the dimension.
 */
import type { JoinExpr, Node } from '@pgsql/types';
import { columnPath, columnsIn, conjunctsOf, nodeAs, qualifiedName, rangeVarItem, type FromItem } from '../../sql/ast';
import { isNotNull, isUniqueKey, shapeOf, type TableShapes } from '../../db/tableShapes';
import { noMatch, type NoMatch } from './rewriteDraft';

export interface DimensionLookup {
  item: FromItem;
  jointype: 'JOIN_INNER' | 'JOIN_LEFT';
  quals: Node;
  /** The table it is joined to (by qualifier): must be the dimension once the fact side is known. */
  partner: string;
}

interface JoinStep {
  item: FromItem;
  join?: JoinExpr;
}

/** A left-deep join tree as its tables in order, each with the join that brought it in (none for the first). */
function flatten(join: JoinExpr): JoinStep[] | undefined {
  const steps: JoinStep[] = [];
  let node: Node | undefined = { JoinExpr: join } as Node;
  for (;;) {
    const j: JoinExpr | undefined = nodeAs(node, 'JoinExpr');
    if (!j) break;
    const right = rangeVarItem(j.rarg);
    if (!right) return undefined;
    steps.unshift({ item: right, join: j });
    node = j.larg;
  }
  const first = rangeVarItem(node);
  if (!first) return undefined;
  steps.unshift({ item: first });
  return steps;
}

/** The ON's equalities `L.a = X.b` between the joined table and one other, or undefined for anything else. */
function keyEqualities(
  quals: Node | undefined,
  own: string,
): { partner: string; own: string[]; other: string[] } | undefined {
  const own_: string[] = [];
  const other: string[] = [];
  let partner: string | undefined;
  for (const c of conjunctsOf(quals)) {
    const e = nodeAs(c, 'A_Expr');
    const op = e?.kind === 'AEXPR_OP' && e.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    const l = columnPath(e?.lexpr);
    const r = columnPath(e?.rexpr);
    if (op !== '=' || l?.length !== 2 || r?.length !== 2) return undefined;
    const [mine, theirs] = l[0] === own ? [l, r] : r[0] === own ? [r, l] : [undefined, undefined];
    if (!mine || !theirs || theirs[0] === own || (partner !== undefined && theirs[0] !== partner)) return undefined;
    partner = theirs[0];
    own_.push(mine[1]);
    other.push(theirs[1]);
  }
  return partner ? { partner, own: own_, other } : undefined;
}

/**
 * The grouped join read as two tables and the lookups joined to one of them; undefined when the join is of two
 * tables already (or not a left-deep tree of plain tables, which the rule declines as before); a NoMatch when a
 * third table is there but is no lookup.
 */
export function peelLookups(
  join: JoinExpr,
  shapes: TableShapes | undefined,
): { join: JoinExpr; lookups: DimensionLookup[] } | NoMatch | undefined {
  const steps = flatten(join);
  if (!steps || steps.length <= 2 || !shapes) return undefined;
  // Candidates: joined (inner or left) by equalities between a unique key of their own and one other table.
  const candidates = new Map<string, { step: JoinStep; keys: NonNullable<ReturnType<typeof keyEqualities>> }>();
  for (const step of steps) {
    const j = step.join;
    if (!j || j.isNatural || (j.jointype !== 'JOIN_INNER' && j.jointype !== 'JOIN_LEFT')) continue;
    const keys = keyEqualities(j.quals, step.item.qualifier);
    if (keys && isUniqueKey(shapeOf(shapes, qualifiedName(step.item)), keys.own))
      candidates.set(step.item.qualifier, { step, keys });
  }
  // A lookup is a leaf: nothing else is joined to it (`users u` joined to orders by its key is the dimension).
  for (const { keys } of [...candidates.values()]) candidates.delete(keys.partner);
  const lookups: DimensionLookup[] = [];
  const core = steps.filter((s) => !candidates.has(s.item.qualifier));
  for (const { step, keys } of candidates.values()) {
    const j = step.join as JoinExpr;
    if (j.jointype === 'JOIN_INNER') {
      const partner = core.find((c) => c.item.qualifier === keys.partner)?.item;
      const partnerShape = shapeOf(shapes, partner ? qualifiedName(partner) : undefined);
      const referenced = partnerShape?.foreignKeys.some(
        (f) =>
          f.refTable === step.item.relname &&
          f.columns.length === keys.other.length &&
          keys.other.every((col, i) => f.columns[f.refColumns.indexOf(keys.own[i])] === col),
      );
      if (!referenced || !keys.other.every((c) => isNotNull(partnerShape, c)))
        return noMatch(
          1,
          `${qualifiedName(step.item)} is joined inner on ${keys.partner}.${keys.other.join(', ')}, which is not a NOT NULL foreign key to it: users without a match would drop out after the rewrite's LIMIT`,
        );
    }
    lookups.push({
      item: step.item,
      jointype: j.jointype as DimensionLookup['jointype'],
      quals: j.quals as Node,
      partner: keys.partner,
    });
  }
  if (lookups.length === 0) return undefined;
  if (core.length !== 2 || !core[1].join)
    return noMatch(1, 'the GROUP BY is not over one join of two tables and lookups joined to one of them');
  const [a, b] = core;
  const kept = b.join as JoinExpr;
  const sides = new Set([a.item.qualifier, b.item.qualifier]);
  const outside = columnsIn(kept.quals).some((path) => path.length !== 2 || !sides.has(path[0]));
  if (outside) return noMatch(1, `the join of ${qualifiedName(b.item)} reads a lookup or an unqualified column`);
  return { join: { ...kept, larg: a.item.node, rarg: b.item.node }, lookups };
}
