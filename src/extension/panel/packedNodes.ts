/**
 * A plan's nodes as columns for the first message to the plan view (decoded by webview/nodeList.ts). As JSON
 * objects, every node repeats ~45 metric names and its field names: 1.8 of the 2.2 MB of a 2,000-node plan.
 * Here each key is named once, numbers go as typed arrays (binary over VS Code's postMessage), repeated
 * strings as codes, and a key with one value for all nodes as that value. Plain code: no vscode import.
 */
import type { PlanNode, RawPlanFields } from '../../core/plan/planNode';
import type { ColumnValue, PackedColumn, PackedKeyColumn, PackedPlanNodes } from '../../shared/protocol';

/**
 * `nodes` (pre-order, `nodes[i].id === i`) as columns. `fieldsOf` gives the fields to send for a node (the
 * first-paint cut); nodes in `fullFieldsOf` go whole in `fullFields`. Undefined when a metric is not a number,
 * boolean or string (nested at most one level), which this form can't carry: the caller sends objects then.
 */
export function packPlanNodes(
  nodes: readonly PlanNode[],
  fieldsOf: (node: PlanNode) => RawPlanFields,
  fullFieldsOf: ReadonlySet<number>,
): PackedPlanNodes | undefined {
  const count = nodes.length;
  const parents = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (nodes[i].id !== i) return undefined;
    parents[i] = nodes[i].parentId ?? -1;
  }
  const cut = nodes.map((n) => (fullFieldsOf.has(n.id) ? undefined : fieldsOf(n)));
  const fieldPaths = fieldKeys(cut);
  const metricPaths = metricKeyPaths(nodes);
  if (!metricPaths) return undefined;
  const fields = packAll(
    fieldPaths.map((key) => [key]),
    ([key]) => cut.map((f) => (f === undefined ? undefined : (f as Record<string, unknown>)[key])),
  );
  const metrics = packAll(metricPaths, (path) =>
    path.length === 1
      ? nodes.map((n) => (n.metrics as unknown as Record<string, unknown>)[path[0]])
      : nodes.map(
          (n) =>
            ((n.metrics as unknown as Record<string, Record<string, unknown> | undefined>)[path[0]] ?? {})[path[1]],
        ),
  );
  if (!fields || !metrics) return undefined;
  return {
    count,
    parents,
    fields,
    metrics,
    fullFields: [...fullFieldsOf].filter((id) => id >= 0 && id < count).map((id) => ({ id, fields: nodes[id].fields })),
  };
}

function packAll(paths: string[][], valuesOf: (path: string[]) => unknown[]): PackedKeyColumn[] | undefined {
  const out: PackedKeyColumn[] = [];
  for (const path of paths) {
    const column = packColumn(valuesOf(path));
    if (!column) return undefined;
    out.push({ path, column });
  }
  return out;
}

/**
 * Every field key, ordered so that each node's keys keep their order (EXPLAIN gives keys in one order, but a
 * node lacks some: a key first seen late goes right after the key it follows in its node).
 */
function fieldKeys(fields: ReadonlyArray<RawPlanFields | undefined>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  for (const object of fields) {
    if (!object) continue;
    let previous: string | undefined;
    for (const key in object) {
      if (!seen.has(key)) {
        seen.add(key);
        order.splice(previous === undefined ? 0 : order.indexOf(previous) + 1, 0, key);
      }
      previous = key;
    }
  }
  return order;
}

/**
 * Every metric's path: `[key]`, or `[key, inner]` for the members of a plain object (buffer counts). Undefined
 * if a value is neither a scalar nor such an object of scalars.
 */
function metricKeyPaths(nodes: readonly PlanNode[]): string[][] | undefined {
  const paths: string[][] = [];
  const top = new Set<string>();
  const inner = new Map<string, Set<string>>();
  for (const node of nodes) {
    const metrics = node.metrics as unknown as Record<string, unknown>;
    for (const key in metrics) {
      const value = metrics[key];
      if (isPlainObject(value)) {
        let members = inner.get(key);
        if (!members) inner.set(key, (members = new Set()));
        for (const member in value) {
          if (!isScalar(value[member])) return undefined;
          if (!members.has(member)) {
            members.add(member);
            paths.push([key, member]);
          }
        }
      } else if (!isScalar(value)) {
        return undefined;
      } else if (!top.has(key)) {
        top.add(key);
        paths.push([key]);
      }
    }
  }
  // A key both plain and nested (never in NodeMetrics) could not be rebuilt.
  for (const key of inner.keys()) if (top.has(key)) return undefined;
  return paths;
}

/** The smallest form for one key's values (undefined = the node lacks the key); undefined if none fits. */
export function packColumn(values: readonly unknown[]): PackedColumn | undefined {
  const n = values.length;
  const first = values[0];
  let same = true;
  let numeric = true;
  let absent = false;
  let counts = true;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (same && !Object.is(v, first)) same = false;
    if (typeof v === 'number') {
      if (!counts) continue;
      if (v >= 0 && v % 1 === 0 && !Object.is(v, -0)) {
        if (v > max) max = v;
      } else {
        counts = false;
      }
    } else if (v === undefined) {
      absent = true;
    } else {
      numeric = false;
    }
  }
  if (same && (first === undefined || isJsonScalar(first)))
    return { constant: first === undefined ? null : (first as ColumnValue) };
  if (numeric) {
    if (!absent && counts) {
      const ints = integerArray(n, max);
      if (ints) {
        for (let i = 0; i < n; i++) ints[i] = values[i] as number;
        return { numbers: ints };
      }
    }
    const floats = new Float64Array(n);
    for (let i = 0; i < n; i++) floats[i] = values[i] === undefined ? Number.NaN : (values[i] as number);
    return { numbers: floats };
  }
  if (!values.every((v) => v === undefined || isJsonScalar(v))) {
    // Arrays or objects (e.g. "Sort Key" when a caller packs every field): as JSON, per node.
    return values.every((v) => v === undefined || isJsonLike(v))
      ? { values: values.map((v) => (v === undefined ? null : v)) }
      : undefined;
  }
  const labels: ColumnValue[] = [];
  const codeOf = new Map<unknown, number>();
  const codes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const value = values[i] === undefined ? null : (values[i] as ColumnValue);
    let code = codeOf.get(value);
    if (code === undefined) {
      code = labels.length;
      labels.push(value);
      codeOf.set(value, code);
    }
    codes[i] = code;
  }
  const packed = integerArray(n, labels.length - 1) ?? new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = codes[i];
  return { labels, codes: packed };
}

/** An array of `n` non-negative integers up to `max`, the smallest that holds them (none beyond 32 bits). */
function integerArray(n: number, max: number): Uint8Array | Uint16Array | Uint32Array | undefined {
  if (max < 2 ** 8) return new Uint8Array(n);
  if (max < 2 ** 16) return new Uint16Array(n);
  if (max < 2 ** 32) return new Uint32Array(n);
  return undefined;
}

function isScalar(value: unknown): boolean {
  return value === undefined || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}

/** What JSON carries unchanged (NaN and ±Infinity would come back as null). */
function isJsonScalar(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0))
  );
}

function isJsonLike(value: unknown): boolean {
  if (value === null || isJsonScalar(value)) return true;
  if (Array.isArray(value)) return value.every(isJsonLike);
  return isPlainObject(value) && Object.values(value).every((v) => v === undefined || isJsonLike(v));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}
