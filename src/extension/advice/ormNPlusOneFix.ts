/**
 * The ORM N+1 loop as the editor offers it: one code action that adds the ORM's batched query before the loop and
 * reads each parent's rows from a Map in it (applied when picked, as one undo step), and the hover's text. A loop
 * whose every effect the fix does not keep gets no action: the hover says why and shows the batched call to
 * adapt by hand. Free of `vscode`.
 */
import type { OrmNPlusOneAdvice } from '../../core/advice/nPlusOne/findOrmNPlusOne';
import { ormNames } from '../../core/advice/nPlusOne/ormCalls';
import type { CodeFix } from '../fixes/codeFix';

export function ormNPlusOneFix(advice: OrmNPlusOneAdvice): CodeFix {
  const f = advice.finding;
  return {
    title: `Batch the loop's ${ormNames[f.orm]} query: one query for every ${f.rowVariable}, grouped by ${f.keyField} (N → 1 round trips)`,
    isPreferred: true,
    edits: advice.edits.map((e) => ({ range: e.range, newText: e.newText })),
  };
}

/** The hover's parts in order: plain paragraphs (the caller escapes them) and the batched call as code. */
export function ormNPlusOneHoverText(advice: OrmNPlusOneAdvice): Array<{ text?: string; code?: string }> {
  const f = advice.finding;
  const told =
    f.recognisedBy === 'types'
      ? `Recognised as ${ormNames[f.orm]} from its type declarations.`
      : `Recognised as ${ormNames[f.orm]} from the call's shape (its types did not resolve here).`;
  const parts: Array<{ text?: string; code?: string }> = [{ text: advice.explanation }, { text: told }];
  if (advice.edits.length > 0)
    parts.push({
      text: 'Quick fix: run this once before the loop and read each row’s result from a Map in it; the loop itself stays as written.',
    });
  else
    parts.push({
      text: `${advice.noEditReason ?? 'No code change.'}${advice.batchedCall ? ' The batched call, to adapt by hand:' : ''}`,
    });
  if (advice.batchedCall) parts.push({ code: advice.batchedCall });
  for (const c of advice.caveats) parts.push({ text: `Caveat: ${c}` });
  return parts;
}
