/**
 * Non-sargable predicates rewritten so an index on the bare column can serve them: the date family
 * (`date(c)`, `c::date`, `EXTRACT(YEAR FROM c)`, `date_trunc(unit, c)` compared or BETWEEN, see dateRanges.ts)
 * becomes a range on `c`, and `col + k = v` → `col = v - k` (`col - k` likewise) for integer constants.
 * `lower(email) = …` is left alone: the index advisor proposes an expression index for it, which keeps the
 * query as written.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import { columnPath, exprToSql, intValue, nodeAs, parseExpr, replaceNodes, selectToSql } from '../../sql/ast';
import type { TableShapes } from '../../db/tableShapes';
import { matched, noMatch, type RewriteRule } from './rewriteDraft';
import {
  dateFormDeclined,
  dateRangeFor,
  isRowFree,
  mirrored,
  rangeNode,
  wrappedColumn,
  type ColumnTypeOf,
  type Comparison,
} from './dateRanges';

const comparisons = new Set<string>(['=', '<', '<=', '>', '>=']);

function opOf(node: Node | undefined): string | undefined {
  const e = nodeAs(node, 'A_Expr');
  return e?.kind === 'AEXPR_OP' && e.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
}

/**
 * A column's type by its name among the statement's tables: known only when every table that has a column of
 * that name gives it the same type.
 */
function typeByName(shapes: TableShapes | undefined): ColumnTypeOf {
  return (path) => {
    const name = path[path.length - 1];
    const types = new Set<string>();
    for (const shape of shapes?.values() ?? []) for (const c of shape.columns) if (c.name === name) types.add(c.type);
    return types.size === 1 ? [...types][0] : undefined;
  };
}

/**
 * `col ± k = v` → `col = v ∓ k`, for an integer constant k. An untyped value (`'2024-03-01'`, `$1`) took the
 * column's type in the original (`shipped_on - 7` is a date); moved beside `∓ k` it would be read as an integer
 * (`'2024-03-01' + 7` fails), so it carries the column's type, and without a catalog to say it the form is left.
 */
function arithmetic(
  node: Node,
  side: Node | undefined,
  other: Node,
  typeOf: ColumnTypeOf,
): { node: Node; change: string } | undefined {
  const arith = nodeAs(side, 'A_Expr');
  const aop = opOf(side);
  const path = columnPath(arith?.lexpr);
  if (!arith || (aop !== '+' && aop !== '-') || !path || intValue(arith.rexpr) === undefined) return undefined;
  const col = exprToSql(arith.lexpr as Node);
  const k = exprToSql(arith.rexpr as Node);
  const untyped = nodeAs(other, 'A_Const')?.sval !== undefined || nodeAs(other, 'ParamRef') !== undefined;
  const type = untyped ? typeOf(path) : undefined;
  if (untyped && !type) return undefined;
  // Beside an integer constant an untyped value is read as an integer: only another type needs saying.
  const value = type && type !== 'integer' ? `(${exprToSql(other)})::${type}` : exprToSql(other);
  return {
    node: parseExpr(`${col} = ${value} ${aop === '+' ? '-' : '+'} ${k}`),
    change: `${exprToSql(node)} → ${col} alone on one side`,
  };
}

function isValue(node: Node | undefined): boolean {
  return (
    nodeAs(node, 'A_Const') !== undefined ||
    nodeAs(node, 'ParamRef') !== undefined ||
    (nodeAs(node, 'TypeCast') !== undefined && isValue(nodeAs(node, 'TypeCast')?.arg))
  );
}

/** The statement with every such predicate rewritten, and each change in words. */
interface SargableMatch {
  out: SelectStmt;
  changes: string[];
}

export const sargablePredicate: RewriteRule<SargableMatch> = {
  id: 'sargable-predicate',
  match({ parsed, shapes }) {
    const changes: string[] = [];
    const nearMisses: string[] = [];
    const typeOf = typeByName(shapes);
    const out = replaceNodes(parsed.stmt, (node) => {
      const e = nodeAs(node, 'A_Expr');
      if (!e) return undefined;
      if (e.kind === 'AEXPR_BETWEEN') {
        const [low, high] = nodeAs(e.rexpr, 'List')?.items ?? [];
        if (!isRowFree(low) || !isRowFree(high)) return undefined;
        const range = dateRangeFor(node, e.lexpr, { op: 'between', low, high }, typeOf);
        if (range) changes.push(range.change);
        return range ? rangeNode(range) : undefined;
      }
      if (e.kind === 'AEXPR_IN' && nodeAs(e.name?.[0], 'String')?.sval === '=') {
        // `x IN (a, b)` is `x = a OR x = b`: one range per value, under an OR (a BitmapOr of index scans).
        const items = nodeAs(e.rexpr, 'List')?.items ?? [];
        if (items.length === 0 || !items.every(isRowFree)) return undefined;
        const ranges = items.map((value) => dateRangeFor(node, e.lexpr, { op: '=', value }, typeOf));
        if (!ranges.every((r) => r !== undefined)) return undefined;
        changes.push(
          `${exprToSql(node)} → one range per value on ${exprToSql(wrappedColumn(e.lexpr) ?? (e.lexpr as Node))}`,
        );
        return parseExpr(`(${ranges.map((r) => r.sql).join(' OR ')})`);
      }
      const op = opOf(node);
      if (!op || !comparisons.has(op)) return undefined;
      for (const [side, other, asWritten] of [
        [e.lexpr, e.rexpr, true],
        [e.rexpr, e.lexpr, false],
      ] as Array<[Node | undefined, Node | undefined, boolean]>) {
        if (!isRowFree(other)) continue;
        const cmp = asWritten ? (op as Comparison) : mirrored[op as Comparison];
        const range = dateRangeFor(node, side, { op: cmp, value: other as Node }, typeOf);
        if (range) {
          changes.push(range.change);
          return rangeNode(range);
        }
        const why = dateFormDeclined(side);
        if (why) nearMisses.push(`${exprToSql(node)}: ${why}`);
        if (op !== '=' || !isValue(other)) continue;
        const moved = arithmetic(node, side, other as Node, typeOf);
        if (moved) {
          changes.push(moved.change);
          return moved.node;
        }
      }
      return undefined;
    });
    if (changes.length === 0 && nearMisses.length > 0) return noMatch(1, nearMisses.join('; '));
    if (changes.length === 0)
      return noMatch(
        0,
        'no date(column), EXTRACT(YEAR FROM column) or date_trunc(unit, column) compared with a value, nor column ± constant = value',
      );
    return matched({ out, changes });
  },
  build({ out, changes }) {
    return [
      {
        id: 'sargable-predicate',
        title: 'Leave the indexed column bare in the predicate',
        explanation:
          `A function or arithmetic around a column hides it from a B-tree index on that column, so PostgreSQL scans and computes it for every row. ` +
          `Rewritten: ${changes.join('; ')}.`,
        rewrittenSql: selectToSql(out),
        caveats: ['An index on the bare column is what this enables; without one the gain is small.'],
      },
    ];
  },
};
