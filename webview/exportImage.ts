// Export of the plan view as SVG or PNG: the whole plan, not only the part in view (which is all the view
// draws). The drawing is styled by the stylesheet and VS Code's theme variables, which a saved file doesn't
// have: each element's computed style (variables resolved) is written onto the copy, so the file looks like
// the view.

import type { Plan } from '../src/shared/protocol';
import { SVG_NS } from './dom';
import type { PlanCanvas } from './planCanvas';
import { layoutPlan, type PlanLayout } from './planLayout';

/** Properties that decide how the plan looks; computed values carry the theme's resolved colours. */
const PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'display',
  'visibility',
] as const;

/** Of PROPERTIES, those a child takes from its parent unless set: written only where they change. */
const NOT_INHERITED = new Set(['opacity', 'display']);

type Styles = Record<string, string>;

/**
 * Written as presentation attributes (fill="…"), not a style attribute: the webview's CSP forbids inline
 * styles even on a copy, and presentation attributes mean the same to any SVG renderer. An inherited value
 * equal to the parent's is left out (it inherits it in the file too), which keeps a 2,000-node file a few MB.
 * The drawing's styles depend only on the class path from the root and the inline style (the sheet has no
 * structural or attribute selectors for it, and it is never hovered), so computed styles are read once per
 * distinct path, not once per element.
 */
function inlineStyles(
  source: Element,
  copy: Element,
  parent: Styles | undefined,
  path: string,
  memo: Map<string, Styles>,
): void {
  const key = `${path}>${source.tagName}.${source.getAttribute('class') ?? ''}|${source.getAttribute('style') ?? ''}`;
  let values = memo.get(key);
  if (!values) {
    const computed = getComputedStyle(source);
    values = {};
    for (const p of PROPERTIES) values[p] = computed.getPropertyValue(p);
    memo.set(key, values);
  }
  for (const p of PROPERTIES) {
    const value = values[p];
    if (value === '') continue;
    if (NOT_INHERITED.has(p) ? (p === 'display' ? value !== 'none' : value === '1') : parent?.[p] === value) continue;
    copy.setAttribute(p, value);
  }
  copy.removeAttribute('style');
  copy.removeAttribute('class');
  for (let i = 0; i < source.children.length; i++)
    inlineStyles(source.children[i], copy.children[i], values, key, memo);
}

/** Space around each plan in the file. */
const MARGIN = 24;
/**
 * A PNG is drawn at 2× unless that passes these: Chromium refuses canvases over 32,767 px a side or
 * 268 M pixels, and a webview holding a 1 GB bitmap stalls; 16,384 px and 32 M pixels (128 MB) keep it sane.
 */
export const PNG_MAX_SIDE = 16_384;
export const PNG_MAX_PIXELS = 32_000_000;

/**
 * The whole plan as the file shows it: every node, subtrees collapsed in the view expanded (an image is read
 * without a way to open them), and the sibling groups as the view has them, closed or open. A closed group
 * already shows its count, summed figures and slowest members; drawing its 3,000 members would make a
 * strip a million pixels wide that no one can read, so opening it stays the user's choice.
 */
export function wholeLayout(plan: Plan, shown: PlanLayout): PlanLayout {
  return layoutPlan(plan, new Set(), shown.grouping);
}

/** One standalone SVG document of the canvases' whole plans (see wholeLayout), placed side by side. */
export function serialisePlans(
  canvases: PlanCanvas[],
  background: string,
): { text: string; width: number; height: number } {
  const parts: Array<{ group: SVGGElement; width: number; height: number }> = [];
  for (const canvas of canvases) {
    const shown = canvas.shown();
    if (!shown) continue;
    parts.push(
      canvas.withWholeDrawing(wholeLayout(shown.plan, shown.layout), MARGIN, (svg, width, height) => {
        const group = document.createElementNS(SVG_NS, 'g');
        const memo = new Map<string, Styles>();
        for (const child of Array.from(svg.children)) {
          const copy = child.cloneNode(true) as Element;
          inlineStyles(child, copy, undefined, '', memo);
          group.append(copy);
        }
        return { group, width, height };
      }),
    );
  }
  const width = Math.max(
    1,
    parts.reduce((sum, p) => sum + p.width, 0),
  );
  const height = Math.max(1, ...parts.map((p) => p.height));
  const root = document.createElementNS(SVG_NS, 'svg');
  root.setAttribute('xmlns', SVG_NS);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', background);
  root.append(bg);
  let x = 0;
  for (const part of parts) {
    part.group.setAttribute('transform', `translate(${x},0)`);
    root.append(part.group);
    x += part.width;
  }
  return { text: new XMLSerializer().serializeToString(root), width, height };
}

/** The PNG scale: `wanted` (2×) unless the bitmap would pass PNG_MAX_SIDE or PNG_MAX_PIXELS, then less. */
export function pngScale(width: number, height: number, wanted = 2): number {
  return Math.min(wanted, PNG_MAX_SIDE / width, PNG_MAX_SIDE / height, Math.sqrt(PNG_MAX_PIXELS / (width * height)));
}

/** Renders the SVG text to a PNG data URL at 2× its size, or smaller for a huge plan (pngScale). */
export async function svgToPng(svgText: string, width: number, height: number, wanted = 2): Promise<string> {
  const scale = pngScale(width, height, wanted);
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  return canvas.toDataURL('image/png');
}

export function backgroundColour(element: Element): string {
  return (
    getComputedStyle(element).getPropertyValue('--pv-bg').trim() ||
    getComputedStyle(document.body).backgroundColor ||
    '#ffffff'
  );
}
