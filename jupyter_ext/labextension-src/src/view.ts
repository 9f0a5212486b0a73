/** Small DOM helpers shared by the fix panel and the explain view. */
import type { IDiffLine } from './api';

export function el(
  tag: string,
  className: string,
  text?: string,
  children: HTMLElement[] = []
): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  node.append(...children);
  return node;
}

/** Text with `backticked` names shown as code (the model's one-line notes use Markdown backticks). */
export function withCode(tag: string, className: string, text: string): HTMLElement {
  const parts = text.split('`');
  const nodes = parts.map((part, i) => (i % 2 === 1 && i < parts.length - 1 ? el('code', '', part) : part));
  const node = el(tag, className);
  node.append(...nodes);
  return node;
}

export function button(
  label: string,
  className: string,
  onClick: () => void,
  kind: 'primary' | 'default' = 'default'
): HTMLElement {
  const node = el('button', `jp-codepal-Button jp-mod-styled ${className}`, label);
  node.classList.add(kind === 'primary' ? 'jp-mod-accept' : 'jp-mod-reject');
  (node as HTMLButtonElement).type = 'button';
  node.addEventListener('click', event => {
    event.stopPropagation(); // the notebook must not treat this as a cell click
    onClick();
  });
  return node;
}

const OP_CLASS: Record<IDiffLine['op'], string> = {
  ' ': 'jp-codepal-Diff-same',
  '-': 'jp-codepal-Diff-del',
  '+': 'jp-codepal-Diff-add',
  '…': 'jp-codepal-Diff-skip'
};

export function renderDiff(lines: IDiffLine[]): HTMLElement {
  return el(
    'div',
    'jp-codepal-Diff',
    undefined,
    lines.map(line =>
      el('div', OP_CLASS[line.op], line.op === '…' ? '⋯' : `${line.op} ${line.text}`)
    )
  );
}

/** A status line with a spinner, and the model's thinking streaming into a collapsible box. */
export class ThinkingView {
  readonly node: HTMLElement;

  constructor(status: string) {
    this._status = el('span', 'jp-codepal-Status-text', status);
    this._text = el('pre', 'jp-codepal-Thinking-text');
    const details = el('details', 'jp-codepal-Thinking', undefined, [
      el('summary', '', 'Thinking'),
      this._text
    ]);
    (details as HTMLDetailsElement).open = true;
    this.node = el('div', 'jp-codepal-Progress', undefined, [
      el('div', 'jp-codepal-Progress-line', undefined, [el('span', 'jp-codepal-Spinner'), this._status]),
      details
    ]);
  }

  setStatus(text: string): void {
    this._status.textContent = text;
  }

  addThinking(text: string): void {
    this._chars += text.length;
    // Only the tail is kept on screen: long thoughts must not slow the page down.
    const shown = (this._text.textContent ?? '') + text;
    this._text.textContent = shown.length > 4000 ? shown.slice(-4000) : shown;
    this._text.scrollTop = this._text.scrollHeight;
    this.setStatus(`thinking… (${this._chars} characters)`);
  }

  private _chars = 0;
  private readonly _status: HTMLElement;
  private readonly _text: HTMLElement;
}
