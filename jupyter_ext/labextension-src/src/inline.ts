/**
 * Inline completions (ghost text) through JupyterLab's inline completer. The server answers with a finished,
 * post-processed suggestion; a request still running when the user types on is aborted, which closes its
 * connection so the server stops it.
 */
import type {
  CompletionHandler,
  IInlineCompletionContext,
  IInlineCompletionList,
  IInlineCompletionProvider
} from '@jupyterlab/completer';
import { InlineCompletionTriggerKind } from '@jupyterlab/completer';
import { NotebookPanel } from '@jupyterlab/notebook';

import { complete, notebookBody } from './api';

export class CodepalInlineProvider implements IInlineCompletionProvider {
  readonly name = 'codepal';
  readonly identifier = 'codepal';
  // JupyterLab's own defaults for this provider: a short wait (the server debounces too), and room for a
  // model server on a CPU.
  readonly schema = { default: { debouncerDelay: 150, timeout: 8000 } };

  async fetch(
    request: CompletionHandler.IRequest,
    context: IInlineCompletionContext
  ): Promise<IInlineCompletionList> {
    this._pending?.abort(); // the user typed on: that answer would be stale
    const abort = (this._pending = new AbortController());
    const panel = context.widget;
    if (!(panel instanceof NotebookPanel)) {
      return { items: [] };
    }
    const notebook = panel.content;
    const cell = notebook.activeCell;
    if (!cell || cell.model.type !== 'code' || cell.model.sharedModel.getSource() !== request.text) {
      return { items: [] };
    }
    try {
      // Asked for explicitly (Alt+\): the server answers at once instead of waiting as for typing.
      const invoked = context.triggerKind === InlineCompletionTriggerKind.Invoke;
      const body = { ...notebookBody(panel, notebook.activeCellIndex), offset: request.offset, invoked };
      const answer = await complete(body, abort.signal);
      const suggestion = answer.completion;
      if (!suggestion || abort.signal.aborted) {
        return { items: [] };
      }
      return { items: [{ insertText: suggestion.insert_text }] };
    } catch (reason) {
      if (abort.signal.aborted) {
        return { items: [] };
      }
      throw reason;
    } finally {
      if (this._pending === abort) {
        this._pending = null;
      }
    }
  }

  private _pending: AbortController | null = null;
}
