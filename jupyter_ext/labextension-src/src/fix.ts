/**
 * "Fix this error": a button under every error output; the proposal streams into a panel under the cell
 * (thinking as progress, cancellable), then shows a diff with Apply and Dismiss. Apply replaces the cell
 * source in one transaction, so one Ctrl-Z in the cell restores the original.
 */
import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { IOutputModel, IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Panel, PanelLayout, Widget } from '@lumino/widgets';

import { CodepalError, IErrorOutput, IFixResult, notebookBody, stream } from './api';
import { button, el, renderDiff, ThinkingView, withCode } from './view';

const STDERR = 'application/vnd.jupyter.stderr';

export type FixRequestHandler = (origin: HTMLElement, error: IErrorOutput) => void;

/** Wrap the stderr renderer so that `error` outputs (not stderr streams) get a "Fix this error" button. */
export function addFixButtons(rendermime: IRenderMimeRegistry, onFix: FixRequestHandler): void {
  const original = rendermime.getFactory(STDERR);
  if (!original) {
    return;
  }
  rendermime.addFactory(
    {
      safe: original.safe,
      mimeTypes: [STDERR],
      defaultRank: original.defaultRank,
      createRenderer: options => new FixableError(original.createRenderer(options), onFix)
    },
    rendermime.getRank(STDERR)
  );
}

class FixableError extends Panel implements IRenderMime.IRenderer {
  constructor(
    private readonly _inner: IRenderMime.IRenderer,
    private readonly _onFix: FixRequestHandler
  ) {
    super();
    this.addClass('jp-codepal-Error');
    this.addWidget(_inner);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    await this._inner.renderModel(model);
    const output = model as Partial<IOutputModel>;
    if (output.type !== 'error' || !output.toJSON || this._bar) {
      return;
    }
    const json = output.toJSON() as Partial<IErrorOutput>;
    const error: IErrorOutput = {
      ename: String(json.ename ?? ''),
      evalue: String(json.evalue ?? ''),
      traceback: Array.isArray(json.traceback) ? json.traceback.map(String) : []
    };
    this._bar = new Widget({ node: el('div', 'jp-codepal-FixBar') });
    this._bar.node.appendChild(
      button('Fix this error', 'jp-codepal-FixButton', () => this._onFix(this.node, error), 'primary')
    );
    this.addWidget(this._bar);
  }

  private _bar: Widget | null = null;
}

/** The proposal under one cell. At most one per cell: a new request replaces the old one. */
export class FixPanel extends Widget {
  static open(panel: NotebookPanel, cell: Cell, index: number, error: IErrorOutput | null): FixPanel {
    const layout = cell.layout as PanelLayout;
    layout.widgets.filter(w => w instanceof FixPanel).forEach(w => w.dispose());
    const fix = new FixPanel(panel, cell, index, error);
    layout.addWidget(fix);
    void fix.run();
    return fix;
  }

  private constructor(
    private readonly _panel: NotebookPanel,
    private readonly _cell: Cell,
    private readonly _index: number,
    private readonly _error: IErrorOutput | null
  ) {
    super({ node: el('div', 'jp-codepal-FixPanel') });
  }

  dispose(): void {
    this._abort?.abort();
    super.dispose();
  }

  /** Ask for a fix and stream the answer into the panel. */
  async run(): Promise<void> {
    const abort = (this._abort = new AbortController());
    const thinking = new ThinkingView('codepal is looking at the error…');
    this._show([thinking.node], [button('Cancel', 'jp-codepal-Cancel', () => abort.abort())]);
    const body = { ...notebookBody(this._panel, this._index), error: this._error };
    try {
      for await (const item of stream<IFixResult>('fix', body, abort.signal)) {
        if (item.event === 'thinking') {
          thinking.addThinking(item.data.text);
        } else if (item.event === 'answer') {
          thinking.setStatus('writing the fix…');
        } else if (item.event === 'result') {
          this._propose(item.data);
          return;
        } else {
          throw new CodepalError(item.data.message, item.data.status);
        }
      }
      throw new CodepalError('the answer ended early', 0);
    } catch (reason) {
      if (this.isDisposed) {
        return;
      }
      const message = abort.signal.aborted ? 'Cancelled.' : errorMessage(reason);
      this._show([el('div', 'jp-codepal-Message', message)], [this._retry(), this._dismiss()]);
    }
  }

  private _propose(result: IFixResult): void {
    if (!result.ok || result.new_text === null) {
      this._show([withCode('div', 'jp-codepal-Message', result.message)], [this._retry(), this._dismiss()]);
      return;
    }
    const newText = result.new_text;
    const header = withCode('div', 'jp-codepal-FixPanel-header', `Proposed fix: ${result.message}`);
    const apply = button('Apply', 'jp-codepal-Apply', () => this._apply(result.original, newText), 'primary');
    const parts = [header, renderDiff(result.diff)];
    const facts = result.kernel_facts ?? [];
    if (facts.length) {
      const list = el('ul', 'jp-codepal-KernelFacts-list');
      facts.forEach(fact => list.appendChild(el('li', '', fact)));
      parts.push(el('div', 'jp-codepal-KernelFacts', 'Used from the kernel:', [list]));
    }
    this._show(parts, [apply, this._dismiss()]);
  }

  private _apply(original: string, newText: string): void {
    const shared = this._cell.model.sharedModel;
    if (shared.getSource() !== original) {
      const message = 'The cell changed since this fix was proposed; ask again.';
      this._show([el('div', 'jp-codepal-Message', message)], [this._retry(), this._dismiss()]);
      return;
    }
    // One transaction, its own undo step: typing just before or after is not merged into it.
    const undo = (shared as unknown as { undoManager?: { stopCapturing(): void } | null }).undoManager;
    undo?.stopCapturing();
    shared.setSource(newText);
    undo?.stopCapturing();
    const notebook = this._panel.content;
    notebook.activeCellIndex = notebook.widgets.indexOf(this._cell);
    notebook.mode = 'edit';
    this._cell.editor?.focus();
    this._show([el('div', 'jp-codepal-Message', 'Applied. Ctrl+Z in the cell restores the original.')]);
    setTimeout(() => this.dispose(), 4000);
  }

  private _retry(): HTMLElement {
    return button('Try again', 'jp-codepal-Retry', () => void this.run());
  }

  private _dismiss(): HTMLElement {
    return button('Dismiss', 'jp-codepal-Dismiss', () => this.dispose());
  }

  private _show(parts: HTMLElement[], actions: HTMLElement[] = []): void {
    this.node.replaceChildren(...parts, el('div', 'jp-codepal-Actions', undefined, actions));
  }

  private _abort: AbortController | null = null;
}

export function errorMessage(reason: unknown): string {
  if (reason instanceof CodepalError) {
    return reason.message;
  }
  return `codepal: ${reason instanceof Error ? reason.message : String(reason)}`;
}
