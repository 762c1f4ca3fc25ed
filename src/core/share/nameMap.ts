/**
 * The consistent renaming behind plan obfuscation: one original name always gets the same stand-in
 * (`orders` → `table_1` wherever it appears), literals likewise (`'2024-01-01'` → `'literal_1'`).
 */

export type NameKind =
  'schema' | 'table' | 'index' | 'cte' | 'alias' | 'column' | 'type' | 'function' | 'trigger' | 'constraint';

export class NameMap {
  private readonly names = new Map<string, string>();
  private readonly literals = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The stand-in for a name (an identifier's value: unquoted and case-folded as PostgreSQL does). */
  name(value: string, kind: NameKind): string {
    const known = this.names.get(value);
    if (known !== undefined) return known;
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const replacement = `${kind}_${n}`;
    this.names.set(value, replacement);
    return replacement;
  }

  /** The stand-in of a name seen before, if any. */
  known(value: string): string | undefined {
    return this.names.get(value);
  }

  /** The stand-in text for a literal's value, without quotes. */
  literal(value: string): string {
    const known = this.literals.get(value);
    if (known !== undefined) return known;
    const replacement = `literal_${this.literals.size + 1}`;
    this.literals.set(value, replacement);
    return replacement;
  }

  /** Original → stand-in, for the user's own reference (never part of what is shared). */
  mapping(): Record<string, string> {
    return Object.fromEntries(this.names);
  }

  literalMapping(): Record<string, string> {
    return Object.fromEntries(this.literals);
  }
}

/** An identifier token's value: `"Weird ""Name"""` → `Weird "Name"`, `Orders` → `orders`. */
export function identifierValue(token: string): string {
  if (token.startsWith('"') && token.endsWith('"') && token.length >= 2) return token.slice(1, -1).replace(/""/g, '"');
  return token.toLowerCase();
}
