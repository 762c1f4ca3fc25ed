/**
 * What the JSON and text readers both produce before the metric passes run: the node tree with EXPLAIN's
 * own key names, and the statement-level keys ("Planning Time", "Triggers", "JIT", …) beside it.
 */
import type { RawPlanFields } from './planNode';

export interface RawNode {
  fields: RawPlanFields;
  children: RawNode[];
  /** 1-based line in the input where the node starts (text plans only), for error messages. */
  line?: number;
}

export interface RawPlan {
  root: RawNode;
  /** Statement-level keys, named as FORMAT JSON names them. */
  top: Record<string, unknown>;
  format: 'json' | 'text' | 'yaml' | 'xml';
}
