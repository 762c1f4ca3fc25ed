import { lexSql } from './lexer';
import type { SqlToken } from './lexer';
import { utf8ToUtf16 } from './offsets';
import type { SourceRange } from '../positions';

const LOCATION_KEYS = new Set(['location', 'list_start', 'list_end', 'rexpr_list_start', 'rexpr_list_end']);
const TYPE_TAIL_WORDS = new Set(['varying', 'precision', 'time', 'zone', 'without']);
const NULL_TEST_WORDS = new Set(['is', 'not', 'null', 'isnull', 'notnull']);
const BOOL_TEST_WORDS = new Set(['is', 'not', 'true', 'false', 'unknown']);
const OPENERS = new Set(['(', '[', 'case']);
const CLOSERS = new Set([')', ']', 'end']);

interface Extent {
  min: number;
  max: number;
  /** The node type that holds the largest location (decides which trailing words belong to the node). */
  maxOwner: string;
  maxNode: Record<string, unknown>;
}

/**
 * Finds the exact text of AST nodes. The parser gives only start locations (UTF-8 bytes); the end is found
 * from the tokens: the token at the largest location in the subtree, extended over closing brackets, `END`
 * of CASE, and the trailing words some nodes carry without a location (`IS NOT NULL`, `with time zone`).
 */
export class NodeRanges {
  readonly tokens: SqlToken[];
  private readonly toUtf16: (byte: number) => number;

  constructor(readonly text: string) {
    this.tokens = lexSql(text).filter((t) => t.kind !== 'comment');
    this.toUtf16 = utf8ToUtf16(text);
  }

  offset(byteLocation: number): number {
    return this.toUtf16(byteLocation);
  }

  /** Index of the token that contains `offset` (or the last one starting before it). */
  tokenIndexAt(offset: number): number {
    let lo = 0;
    let hi = this.tokens.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid].start <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  slice(range: SourceRange): string {
    return this.text.slice(range.start, range.end);
  }

  /** A column reference's range: its fields are tokens joined by dots. */
  columnRange(byteLocation: number, fields: number): SourceRange | undefined {
    if (byteLocation < 0 || this.tokens.length === 0) return undefined;
    const first = this.tokenIndexAt(this.offset(byteLocation));
    const last = Math.min(this.tokens.length - 1, first + 2 * (fields - 1));
    return { start: this.tokens[first].start, end: this.tokens[last].end };
  }

  /** The range of a node (wrapped `{ Type: {...} }` or bare with its type name given). */
  range(node: unknown, typeName?: string): SourceRange | undefined {
    const extent: Extent = { min: Number.POSITIVE_INFINITY, max: -1, maxOwner: '', maxNode: {} };
    collect(node, typeName ?? '', extent);
    if (extent.max < 0 || this.tokens.length === 0) return undefined;
    let first = this.tokenIndexAt(this.offset(extent.min));
    let last = this.tokenIndexAt(this.offset(extent.max));
    last = this.tail(last, extent);
    // Balance brackets and CASE … END between first and last, extending either side as needed.
    let depth = 0;
    let minDepth = 0;
    for (let i = first; i <= last; i++) {
      const v = this.tokens[i].value;
      if (this.isOpener(i)) depth++;
      else if (this.isCloser(i, v)) {
        depth--;
        minDepth = Math.min(minDepth, depth);
      }
    }
    for (let k = minDepth; k < 0 && first > 0;) {
      first--;
      if (this.isOpener(first)) k++;
      else if (this.isCloser(first, this.tokens[first].value)) k--;
    }
    depth -= minDepth;
    while (depth > 0 && last + 1 < this.tokens.length) {
      last++;
      if (this.isOpener(last)) depth++;
      else if (this.isCloser(last, this.tokens[last].value)) depth--;
    }
    return { start: this.tokens[first].start, end: this.tokens[last].end };
  }

  private isOpener(i: number): boolean {
    const t = this.tokens[i];
    return (t.kind === 'punct' || t.kind === 'word') && OPENERS.has(t.value);
  }

  private isCloser(i: number, v: string): boolean {
    const t = this.tokens[i];
    return (t.kind === 'punct' || t.kind === 'word') && CLOSERS.has(v);
  }

  private word(i: number): string | undefined {
    const t = this.tokens[i];
    return t && t.kind === 'word' ? t.value : undefined;
  }

  private tail(last: number, extent: Extent): number {
    const tokens = this.tokens;
    switch (extent.maxOwner) {
      case 'ColumnRef': {
        const fields = extent.maxNode['fields'];
        const count = Array.isArray(fields) ? fields.length : 1;
        return Math.min(tokens.length - 1, last + 2 * (count - 1));
      }
      case 'NullTest':
        while (NULL_TEST_WORDS.has(this.word(last + 1) ?? '')) last++;
        return last;
      case 'BooleanTest':
        while (BOOL_TEST_WORDS.has(this.word(last + 1) ?? '')) last++;
        return last;
      case 'TypeName': {
        const names = extent.maxNode['names'];
        // pg_catalog.int4 written as `schema.type`: skip the dotted parts.
        if (Array.isArray(names) && names.length > 1 && tokens[last + 1]?.value === '.') {
          last = Math.min(tokens.length - 1, last + 2 * (names.length - 1));
        }
        for (;;) {
          const w = this.word(last + 1);
          if (w && (TYPE_TAIL_WORDS.has(w) || (w === 'with' && this.word(last + 2) === 'time'))) last++;
          else if (tokens[last + 1]?.value === '[' && tokens[last + 2]?.value === ']') last += 2;
          else return last;
        }
      }
      case 'FuncCall':
        // `now()`, `count(*)`: nothing inside carries a location, so take the parenthesis from here.
        return tokens[last + 1]?.value === '(' ? last + 1 : last;
      case 'A_Const': {
        const t = tokens[last];
        if (t.kind === 'operator' && (t.value === '-' || t.value === '+') && tokens[last + 1]?.kind === 'number')
          return last + 1;
        return last;
      }
      default:
        return last;
    }
  }
}

function collect(node: unknown, ownType: string, extent: Extent): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, '', extent);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  // A wrapped node `{ Type: {...} }`: one key starting with an upper-case letter.
  if (keys.length === 1) {
    const c = keys[0].charCodeAt(0);
    if (c >= 65 && c <= 90) {
      collect(obj[keys[0]], keys[0], extent);
      return;
    }
  }
  // Own locations before children, so that at equal locations the innermost node owns the end.
  for (const key of keys) {
    const value = obj[key];
    if (LOCATION_KEYS.has(key)) {
      if (typeof value === 'number' && value >= 0) {
        if (value < extent.min) extent.min = value;
        if (value >= extent.max && key === 'location') {
          extent.max = value;
          extent.maxOwner = ownType;
          extent.maxNode = obj;
        } else if (value > extent.max) {
          extent.max = value;
          extent.maxOwner = '';
          extent.maxNode = obj;
        }
      }
    }
  }
  for (const key of keys) {
    const value = obj[key];
    if (typeof value === 'object' && value !== null) collect(value, childType(key), extent);
  }
}

/** Bare (unwrapped) child structs whose type follows from the field name. */
function childType(key: string): string {
  switch (key) {
    case 'typeName':
      return 'TypeName';
    case 'alias':
      return 'Alias';
    case 'larg':
    case 'rarg':
      return 'SelectStmt';
    case 'over':
      return 'WindowDef';
    default:
      return '';
  }
}
