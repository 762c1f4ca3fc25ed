/**
 * ANSI colours for the terminal output, or identity functions when colour is off (not a TTY, NO_COLOR set,
 * --no-color). Applied after alignment, since escape codes have no width on screen.
 */
export interface Colours {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  green(text: string): string;
}

const wrap =
  (open: number, close: number) =>
  (text: string): string =>
    text ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export function createColours(enabled: boolean): Colours {
  if (!enabled) {
    const same = (text: string): string => text;
    return { enabled, bold: same, dim: same, red: same, yellow: same, cyan: same, green: same };
  }
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    green: wrap(32, 39),
  };
}
