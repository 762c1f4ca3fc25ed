/**
 * Non-sargable predicates rewritten so an index on the bare column can serve them:
 * `date(col) = v` / `col::date = v` → `col >= v::date AND col < v::date + 1` (the date is cast in the
 * session's TimeZone both ways, so the rows are the same), and `col + k = v` → `col = v - k` (`col - k`
 * likewise) for integer constants. `lower(email) = …` is left alone: the index advisor proposes an
 * expression index for it, which keeps the query as written.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import { columnPath, exprToSql, funcName, intValue, nodeAs, parseExpr, replaceNodes, selectToSql } from '../../sql/ast';
import { matched, noMatch, type RewriteRule } from './rewriteDraft';

function opOf(node: Node | undefined): string | undefined {
  const e = nodeAs(node, 'A_Expr');
  return e?.kind === 'AEXPR_OP' && e.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
}

function isValue(node: Node | undefined): boolean {
  return (
    nodeAs(node, 'A_Const') !== undefined ||
    nodeAs(node, 'ParamRef') !== undefined ||
    (nodeAs(node, 'TypeCast') !== undefined && isValue(nodeAs(node, 'TypeCast')?.arg))
  );
}

/** `date(col)` or `col::date` → col's text. */
function dateOf(node: Node | undefined): string | undefined {
  const cast = nodeAs(node, 'TypeCast');
  if (cast) {
    const type = cast.typeName?.names?.map((n) => nodeAs(n, 'String')?.sval).pop();
    return type === 'date' && columnPath(cast.arg) ? exprToSql(cast.arg as Node) : undefined;
  }
  const call = nodeAs(node, 'FuncCall');
  if (call && funcName(node) === 'date' && call.args?.length === 1 && columnPath(call.args[0]))
    return exprToSql(call.args[0]);
  return undefined;
}

/** The statement with every such predicate rewritten, and each change in words. */
interface SargableMatch {
  out: SelectStmt;
  changes: string[];
}

export const sargablePredicate: RewriteRule<SargableMatch> = {
  id: 'sargable-predicate',
  match({ parsed }) {
    const changes: string[] = [];
    const out = replaceNodes(parsed.stmt, (node) => {
      const op = opOf(node);
      const e = nodeAs(node, 'A_Expr');
      if (!e || op !== '=') return undefined;
      for (const [side, other] of [
        [e.lexpr, e.rexpr],
        [e.rexpr, e.lexpr],
      ] as Array<[Node | undefined, Node | undefined]>) {
        if (!isValue(other)) continue;
        const value = exprToSql(other as Node);
        const column = dateOf(side);
        if (column) {
          changes.push(`${exprToSql(node)} → a range on ${column}`);
          return parseExpr(`(${column} >= (${value})::date AND ${column} < (${value})::date + 1)`);
        }
        const arith = nodeAs(side, 'A_Expr');
        const aop = opOf(side);
        if (arith && (aop === '+' || aop === '-') && columnPath(arith.lexpr) && intValue(arith.rexpr) !== undefined) {
          const col = exprToSql(arith.lexpr as Node);
          const k = exprToSql(arith.rexpr as Node);
          changes.push(`${exprToSql(node)} → ${col} alone on one side`);
          return parseExpr(`${col} = ${value} ${aop === '+' ? '-' : '+'} ${k}`);
        }
      }
      return undefined;
    });
    if (changes.length === 0) return noMatch(0, 'no date(column) = value nor column ± constant = value');
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
