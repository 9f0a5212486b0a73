/** "Explain": the current cell (or its selection) explained in Markdown, in a panel beside the notebook. */
import type { NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { CodepalError, IExplainResult, notebookBody, stream } from './api';
import { errorMessage } from './fix';
import { button, el, ThinkingView } from './view';

const RENDER_EVERY_MS = 250;

export class ExplainView extends Widget {
  constructor(private readonly _rendermime: IRenderMimeRegistry) {
    super({ node: el('div', 'jp-codepal-Explain') });
    this.addClass('jp-RenderedHTMLCommon');
  }

  dispose(): void {
    this._abort?.abort();
    super.dispose();
  }

  async run(panel: NotebookPanel, index: number, start?: number, end?: number): Promise<void> {
    this._abort?.abort();
    const abort = (this._abort = new AbortController());
    const title = el('h3', 'jp-codepal-Explain-title', `${panel.context.localPath}, cell ${index + 1}`);
    const thinking = new ThinkingView('codepal is reading the code…');
    const stop = button('Stop', 'jp-codepal-Cancel', () => abort.abort());
    const output = this._rendermime.createRenderer('text/markdown');
    const answerBox = el('div', 'jp-codepal-Explain-answer');
    answerBox.appendChild(output.node);
    const actions = el('div', 'jp-codepal-Actions', undefined, [stop]);
    this.node.replaceChildren(title, thinking.node, actions, answerBox);

    let answer = '';
    let rendered = 0;
    const body = { ...notebookBody(panel, index), start, end };
    try {
      for await (const item of stream<IExplainResult>('explain', body, abort.signal)) {
        if (item.event === 'thinking') {
          thinking.addThinking(item.data.text);
        } else if (item.event === 'answer') {
          answer += item.data.text;
          thinking.setStatus('writing…');
          if (Date.now() - rendered > RENDER_EVERY_MS) {
            rendered = Date.now();
            await render(output, answer);
          }
        } else if (item.event === 'result') {
          await render(output, item.data.markdown || '*The model gave no explanation.*');
          (thinking.node.querySelector('details') as HTMLDetailsElement | null)?.removeAttribute('open');
          thinking.setStatus('done');
          thinking.node.classList.add('jp-mod-done');
          stop.remove();
          return;
        } else {
          throw new CodepalError(item.data.message, item.data.status);
        }
      }
      throw new CodepalError('the answer ended early', 0);
    } catch (reason) {
      if (this.isDisposed || this._abort !== abort) {
        return; // closed, or a newer request took over
      }
      const message = abort.signal.aborted ? 'Stopped.' : errorMessage(reason);
      thinking.node.classList.add('jp-mod-done');
      answerBox.prepend(el('p', 'jp-codepal-Message', message));
      stop.remove();
    }
  }

  private _abort: AbortController | null = null;
}

function render(output: IRenderMime.IRenderer, markdown: string): Promise<void> {
  // Untrusted: the model's Markdown is sanitized like any untrusted output.
  return output.renderModel(new MimeModel({ data: { 'text/markdown': markdown }, trusted: false }));
}
