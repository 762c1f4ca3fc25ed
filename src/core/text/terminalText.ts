/**
 * Text for the terminal. Names from plans and databases can carry escape sequences (ESC ]0;title BEL sets the
 * window title, ESC [2J clears the screen); printed raw, the terminal obeys them, with or without colour.
 * Every command's output goes through terminalText: control characters become visible text, apart from
 * newlines and tabs, and apart from the colour codes the CLI itself adds when colour is on.
 */
import { visibleControl } from './displayName';

/** Exactly the SGR codes createColours (src/cli/colours.ts) writes. */
const OWN_COLOUR = /^\u001b\[(?:1|2|22|31|32|33|36|39)m/;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character but `\n` and `\t` made visible; our colour codes kept when `keepColour`. */
export function terminalText(text: string, keepColour: boolean): string {
  return text.replace(CONTROL, (c, offset: number) => {
    if (keepColour && c === '\u001b' && OWN_COLOUR.test(text.slice(offset, offset + 5))) return c;
    return visibleControl(c);
  });
}
