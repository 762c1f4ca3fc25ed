// Export of the plan view as SVG or PNG. The drawing is styled by the stylesheet and VS Code's theme
// variables, which a saved file doesn't have: each element's computed style (variables resolved) is written
// onto the copy, so the file looks like the view.

import { SVG_NS } from './dom';

/** Properties that decide how the plan looks; computed values carry the theme's resolved colours. */
const PROPERTIES = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-linecap', 'stroke-linejoin', 'opacity',
  'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline', 'display', 'visibility',
] as const;

/**
 * Written as presentation attributes (fill="…"), not a style attribute: the webview's CSP forbids inline
 * styles even on a detached copy, and presentation attributes mean the same to any SVG renderer.
 */
function inlineStyles(source: Element, copy: Element): void {
  const computed = getComputedStyle(source);
  for (const p of PROPERTIES) {
    const value = computed.getPropertyValue(p);
    if (value !== '') copy.setAttribute(p, value);
  }
  copy.removeAttribute('style');
  copy.removeAttribute('class');
  for (let i = 0; i < source.children.length; i++) inlineStyles(source.children[i], copy.children[i]);
}

/** One standalone SVG document of the given views placed side by side, each at its on-screen size. */
export function serialiseSvg(svgs: SVGSVGElement[], background: string): { text: string; width: number; height: number } {
  const sizes = svgs.map((svg) => ({ w: Math.max(1, Math.round(svg.clientWidth)), h: Math.max(1, Math.round(svg.clientHeight)) }));
  const width = sizes.reduce((sum, s) => sum + s.w, 0);
  const height = Math.max(...sizes.map((s) => s.h));
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
  svgs.forEach((svg, i) => {
    const group = document.createElementNS(SVG_NS, 'g');
    group.setAttribute('transform', `translate(${x},0)`);
    for (const child of Array.from(svg.children)) {
      const copy = child.cloneNode(true) as Element;
      inlineStyles(child, copy);
      group.append(copy);
    }
    root.append(group);
    x += sizes[i].w;
  });
  return { text: new XMLSerializer().serializeToString(root), width, height };
}

/** Renders the SVG text to a PNG data URL at `scale` × its size. */
export async function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  return canvas.toDataURL('image/png');
}

export function backgroundColour(element: Element): string {
  return getComputedStyle(element).getPropertyValue('--pv-bg').trim() || getComputedStyle(document.body).backgroundColor || '#ffffff';
}
