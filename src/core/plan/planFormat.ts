/**
 * Which of EXPLAIN's four formats a text holds, looking past psql decoration (a `QUERY PLAN` header, a rule,
 * `+` marks, a one-space cell margin). Only the head is read: a 50 MB plan is not scanned here.
 */
export type PlanFormat = 'json' | 'text' | 'yaml' | 'xml';

export function detectPlanFormat(text: string): PlanFormat {
  const head = text.slice(0, 4096);
  if (/<explain\s+xmlns="http:\/\/www\.postgresql\.org\/2009\/explain"/.test(head)) return 'xml';
  if (/"(Plan|Node Type)"\s*:|""(Plan|Node Type)""\s*:/.test(head)) return 'json';
  const firstReal = head
    .split(/\r?\n|\r/)
    .map((l) => {
      const t = l.trim();
      return t.endsWith('+') ? t.slice(0, -1).trim() : t;
    })
    .find((l) => l !== '' && l !== 'QUERY PLAN' && !/^---[-+]*$/.test(l));
  if (firstReal === undefined) return 'text';
  if (/^[[{]/.test(firstReal)) return 'json';
  if (/^<(\?xml|explain)\b/.test(firstReal)) return 'xml';
  // FORMAT YAML starts "- Plan: "; auto_explain's YAML has no list and quotes the query text.
  if (/^(- )?Plan:$/.test(firstReal) || /^Query Text: "/.test(firstReal) || /^\s*(- )?Node Type: "/m.test(head))
    return 'yaml';
  return 'text';
}
