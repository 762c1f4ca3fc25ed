// Tiny DOM builders: the webview runs under a strict CSP, so everything is created with the DOM API
// (no innerHTML with markup, no inline handlers, no style attributes).

export const SVG_NS = 'http://www.w3.org/2000/svg';

type Child = Node | string | undefined | null | false;

export interface ElementProps {
  className?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  apply(e, props, children);
  return e;
}

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  apply(e, props, children);
  return e;
}

function apply(e: Element, props: ElementProps, children: Child[]): void {
  if (props.className) e.setAttribute('class', props.className);
  if (props.text !== undefined) e.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c);
  }
}

/** Severity icons as inline SVG (codicons would need an external font the CSP doesn't allow by default). */
export function severityIcon(severity: 'critical' | 'warning' | 'info'): SVGSVGElement {
  const svg = s('svg', {
    className: `sev-icon sev-${severity}`,
    attrs: { viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true' },
  });
  if (severity === 'warning') {
    svg.append(s('path', { className: 'sev-shape', attrs: { d: 'M8 1.5 15 14.5H1Z' } }));
    svg.append(s('path', { className: 'sev-mark', attrs: { d: 'M7.25 6h1.5v4.5h-1.5zM7.25 11.5h1.5V13h-1.5z' } }));
  } else if (severity === 'critical') {
    svg.append(s('circle', { className: 'sev-shape', attrs: { cx: 8, cy: 8, r: 7 } }));
    svg.append(
      s('path', {
        className: 'sev-mark',
        attrs: { d: 'M5.2 4.1 8 6.9l2.8-2.8 1.1 1.1L9.1 8l2.8 2.8-1.1 1.1L8 9.1l-2.8 2.8-1.1-1.1L6.9 8 4.1 5.2z' },
      }),
    );
  } else {
    svg.append(s('circle', { className: 'sev-shape', attrs: { cx: 8, cy: 8, r: 7 } }));
    svg.append(s('path', { className: 'sev-mark', attrs: { d: 'M7.25 7h1.5v5h-1.5zM7.25 4h1.5v1.5h-1.5z' } }));
  }
  return svg;
}

let measureContext: CanvasRenderingContext2D | null | undefined;

/** Cuts `text` with an ellipsis so it fits `maxWidth` px in `font` (a CSS font shorthand). */
export function fitText(text: string, maxWidth: number, font: string): string {
  measureContext ??= document.createElement('canvas').getContext('2d');
  const ctx = measureContext;
  if (!ctx) return text.length * 7 > maxWidth ? `${text.slice(0, Math.max(1, Math.floor(maxWidth / 7) - 1))}…` : text;
  ctx.font = font;
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, Math.max(1, lo))}…`;
}
