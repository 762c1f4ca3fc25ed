/**
 * JSON documents as deep as plans get, without recursion. V8's JSON.stringify (and structuredClone) recurse
 * and throw "Maximum call stack size exceeded" at about 3,000 nested plan nodes; JSON.parse does not. These
 * walk with an explicit stack: stringifyDeep writes what JSON.stringify(value, null, indent) writes (for
 * plain data), mapJsonDeep copies a document replacing chosen values, forEachJsonValue visits every value.
 */

type Container = unknown[] | Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What JSON.stringify writes for a value with no children, or undefined where it leaves the value out. */
function scalarJson(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined;
  }
}

interface Frame {
  /** The entries still to write: [key, value] for an object, [undefined, value] for an array. */
  entries: Array<[string | undefined, unknown]>;
  next: number;
  close: string;
  depth: number;
  written: number;
}

/**
 * Nesting levels indented before the indentation stops growing. Indenting a 10,000-level plan in full would
 * write some 10,000 × 20,000 spaces: the output must stay proportional to the plan. Still valid JSON.
 */
export const MAX_INDENT_DEPTH = 64;

/**
 * JSON.stringify(value, null, indent) for plain data (no toJSON, no replacer), at any depth; past
 * MAX_INDENT_DEPTH levels lines are indented as at that level.
 */
export function stringifyDeep(value: unknown, indent = 2): string {
  const out: string[] = [];
  const pad = (depth: number): string =>
    indent > 0 ? `\n${' '.repeat(indent * Math.min(depth, MAX_INDENT_DEPTH))}` : '';
  const colon = indent > 0 ? ': ' : ':';
  const stack: Frame[] = [];
  /** Writes a value: a scalar at once; an array or object opened and pushed. False if left out (undefined). */
  const open = (v: unknown, depth: number, inArray: boolean): boolean => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.push('[]');
      else {
        out.push('[');
        stack.push({
          entries: v.map((item): [undefined, unknown] => [undefined, item]),
          next: 0,
          close: ']',
          depth: depth + 1,
          written: 0,
        });
      }
      return true;
    }
    if (isRecord(v)) {
      const entries = Object.entries(v).filter(
        ([, item]) => scalarJson(item) !== undefined || typeof item === 'object',
      );
      if (entries.length === 0) out.push('{}');
      else {
        out.push('{');
        stack.push({ entries, next: 0, close: '}', depth: depth + 1, written: 0 });
      }
      return true;
    }
    const text = scalarJson(v);
    if (text === undefined) {
      if (inArray) out.push('null');
      return inArray;
    }
    out.push(text);
    return true;
  };
  // JSON.stringify gives undefined for a lone undefined or function; as text, the closest is "".
  if (!open(value, 0, false)) return '';
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next >= frame.entries.length) {
      stack.pop();
      out.push(`${pad(frame.depth - 1)}${frame.close}`);
      continue;
    }
    const [key, item] = frame.entries[frame.next++];
    out.push(
      `${frame.written > 0 ? ',' : ''}${pad(frame.depth)}${key === undefined ? '' : `${JSON.stringify(key)}${colon}`}`,
    );
    frame.written++;
    open(item, frame.depth, key === undefined);
  }
  return out.join('');
}

/**
 * A copy of a JSON document in which `replace(value, key)` may stand in for any value (`key` is the object
 * key it sits under; array items inherit their array's key). Returning undefined copies the value (and
 * walks into it); returning `{ value }` puts that value there instead, not walked into.
 */
export function mapJsonDeep(
  doc: unknown,
  replace: (value: unknown, key: string | undefined) => { value: unknown } | undefined,
): unknown {
  const holder: Container = [undefined];
  const stack: Array<{ value: unknown; key: string | undefined; into: Container; slot: number | string }> = [
    { value: doc, key: undefined, into: holder, slot: 0 },
  ];
  const put = (into: Container, slot: number | string, v: unknown): void => {
    (into as Record<string | number, unknown>)[slot] = v;
  };
  while (stack.length > 0) {
    const { value, key, into, slot } = stack.pop() as (typeof stack)[number];
    const replaced = replace(value, key);
    if (replaced) {
      put(into, slot, replaced.value);
    } else if (Array.isArray(value)) {
      const copy = new Array<unknown>(value.length);
      put(into, slot, copy);
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key, into: copy, slot: i });
    } else if (isRecord(value)) {
      const copy: Record<string, unknown> = {};
      const keys = Object.keys(value);
      // Keys made in order first: filled later, from the stack, they keep the document's order.
      for (const k of keys) copy[k] = null;
      put(into, slot, copy);
      for (let i = keys.length - 1; i >= 0; i--)
        stack.push({ value: value[keys[i]], key: keys[i], into: copy, slot: keys[i] });
    } else {
      put(into, slot, value);
    }
  }
  return holder[0];
}

/** Calls `visit(value, key)` for every value, in document order; when it returns false, not inside that value. */
export function forEachJsonValue(
  doc: unknown,
  visit: (value: unknown, key: string | undefined) => boolean | void,
): void {
  const stack: Array<{ value: unknown; key: string | undefined }> = [{ value: doc, key: undefined }];
  while (stack.length > 0) {
    const { value, key } = stack.pop() as (typeof stack)[number];
    if (visit(value, key) === false) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key });
    } else if (isRecord(value)) {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: value[keys[i]], key: keys[i] });
    }
  }
}
