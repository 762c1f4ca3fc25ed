/** A half-open range of character offsets [start, end) in a document or statement text. */
export interface SourceRange {
  start: number;
  end: number;
}

/**
 * PostgreSQL reports error positions 1-based in characters; libpg-query's cursorPosition is 0-based.
 * Everything in the core speaks 0-based offsets; these helpers are the only conversions.
 */
export function offsetFromServerPosition(position: number | string | undefined): number | undefined {
  if (position === undefined || position === '') return undefined;
  const n = typeof position === 'string' ? Number.parseInt(position, 10) : position;
  return Number.isFinite(n) && n > 0 ? n - 1 : undefined;
}

export function shiftRange(range: SourceRange, by: number): SourceRange {
  return { start: range.start + by, end: range.end + by };
}

/** Line and column (both 0-based) of an offset; for terminal output and tests. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart };
}
