/**
 * libpg-query reports AST locations as UTF-8 byte offsets and syntax-error cursors as character (code point)
 * offsets, while the editor and the rest of the core speak JS string (UTF-16) offsets. These are the only
 * conversions between them.
 */

const NON_ASCII = /[^\x00-\x7f]/;

/** Returns a function mapping a UTF-8 byte offset in `text` to a UTF-16 offset. */
export function utf8ToUtf16(text: string): (byteOffset: number) => number {
  if (!NON_ASCII.test(text)) return (b) => Math.max(0, Math.min(b, text.length));
  const map: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0;
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < bytes; k++) map.push(i);
    if (code >= 0x10000) i++;
  }
  map.push(text.length);
  return (b) => (b <= 0 ? 0 : b >= map.length ? text.length : map[b]);
}

/** Maps a code point offset (as in PostgreSQL's error cursor) to a UTF-16 offset in `text`. */
export function codePointToUtf16(text: string, codePointOffset: number): number {
  let cp = 0;
  let i = 0;
  while (i < text.length && cp < codePointOffset) {
    const code = text.charCodeAt(i);
    i += code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
    cp++;
  }
  return i;
}
