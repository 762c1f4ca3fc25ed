import { h } from './dom';

export interface SearchBarHandlers {
  /** The query changed (typed, or cleared with Escape: then ''). */
  query(text: string): void;
  next(): void;
  previous(): void;
  /** Escape: the search was cleared; focus goes back to the plan. */
  dismissed(): void;
}

/** The node search box: a vscode-textfield, a match count, and previous/next buttons. */
export class SearchBar {
  readonly element: HTMLElement;
  private readonly field = document.createElement('vscode-textfield');
  private readonly count = h('span', {
    className: 'search-count muted',
    attrs: { id: 'search-count', 'aria-live': 'polite' },
  });

  constructor(private readonly handlers: SearchBarHandlers) {
    this.field.id = 'node-search';
    this.field.placeholder = 'Find node: relation, index, type';
    this.field.label = 'Find nodes by relation, index, node type or alias';
    this.field.title = 'Find nodes (Ctrl+F). Enter: next, Shift+Enter: previous, Escape: clear';
    this.field.addEventListener('input', () => this.handlers.query(this.field.value));
    this.field.addEventListener('keydown', (event) => this.onKey(event));
    const button = (id: string, text: string, title: string, action: () => void) => {
      const b = document.createElement('vscode-button');
      b.id = id;
      b.textContent = text;
      b.title = title;
      b.setAttribute('secondary', '');
      b.className = 'search-step';
      b.addEventListener('click', action);
      return b;
    };
    this.element = h(
      'div',
      { className: 'search', attrs: { role: 'search' } },
      this.field,
      this.count,
      button('search-previous', '↑', 'Previous match (Shift+Enter)', () => this.handlers.previous()),
      button('search-next', '↓', 'Next match (Enter)', () => this.handlers.next()),
    );
  }

  get value(): string {
    return this.field.value;
  }

  focus(): void {
    this.field.focus();
    this.field.wrappedElement?.select();
  }

  /** "3 of 12", "No matches", or nothing when the box is empty. */
  setCount(current: number | undefined, total: number): void {
    const query = this.field.value.trim();
    this.count.textContent = !query
      ? ''
      : total === 0
        ? 'No matches'
        : `${current === undefined ? '–' : current + 1} of ${total.toLocaleString('en-US')}`;
    this.field.invalid = !!query && total === 0;
  }

  /** Empties the box without telling the handlers: a new plan arrived, and a term typed for another plan does not carry over. */
  reset(): void {
    this.field.value = '';
    // The inner input too, now: the element renders it a microtask later, and the toolbar rebuilt meanwhile
    // moves the box, whose blur then reads the old text back into the value.
    const input = this.field.wrappedElement;
    if (input) input.value = '';
    this.setCount(undefined, 0);
  }

  /** Empties the box and tells the handlers, as Escape in the box does. */
  clear(): void {
    if (!this.field.value) return;
    this.field.value = '';
    this.handlers.query('');
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === 'Enter') {
      event.preventDefault();
      if (event.shiftKey) this.handlers.previous();
      else this.handlers.next();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.clear();
      this.handlers.dismissed();
    }
  }
}
