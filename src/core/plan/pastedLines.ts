/**
 * Lines of a pasted text with, for each, its 1-based line in the input, so that the readers' errors can
 * name the line the user sees even after log prefixes, frames and quotes are taken away.
 */
export interface PastedLines {
  lines: string[];
  /** nos[i] is the input line lines[i] came from (its first line when several were joined). */
  nos: number[];
}

export function toPastedLines(text: string): PastedLines {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  return { lines, nos: lines.map((_, i) => i + 1) };
}

/** Collects lines with their numbers; a stage builds its output through it. */
export class LineSink implements PastedLines {
  lines: string[] = [];
  nos: number[] = [];
  push(line: string, no: number): void {
    this.lines.push(line);
    this.nos.push(no);
  }
}
