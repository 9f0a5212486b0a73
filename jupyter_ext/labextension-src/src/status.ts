/**
 * The engine's state in the status bar: ready, starting or down, with the server's message as tooltip.
 * While the 135 M demo model stands in for DeepSeek-R1, the label says so and the tooltip carries the
 * server's notice (what the demo model is, how to install R1).
 */
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import { getStatus, IStatus } from './api';
import { el } from './view';

const LABEL: Record<IStatus['state'], string> = {
  ready: 'ready',
  starting: 'starting',
  degraded: 'down',
  stopped: 'down',
  crashed: 'down'
};

export class StatusItem extends Widget {
  constructor() {
    super({ node: el('div', 'jp-codepal-StatusItem') });
    this._dot = el('span', 'jp-codepal-StatusDot');
    this._label = el('span', 'jp-codepal-StatusLabel', 'codepal: …');
    this.node.append(this._dot, this._label);
    this._poll = new Poll({
      factory: () => this._refresh(),
      frequency: { interval: 5000, backoff: true, max: 60000 },
      standby: 'when-hidden'
    });
  }

  dispose(): void {
    this._poll.dispose();
    super.dispose();
  }

  private async _refresh(): Promise<void> {
    try {
      this._set(await getStatus());
    } catch (reason) {
      this._set({ state: 'stopped', message: `the Jupyter server did not answer: ${reason}`, model: null });
      throw reason; // let the poll back off
    }
  }

  private _set(status: IStatus): void {
    const label = LABEL[status.state] ?? 'down';
    const notice = status.notice ?? '';
    this.node.dataset.state = label;
    this.node.dataset.demo = notice ? 'true' : 'false';
    this._label.textContent = notice ? `codepal: ${label} (demo model)` : `codepal: ${label}`;
    const message = status.model ? `${status.message} (${status.model})` : status.message;
    this.node.title = notice ? `${message}\n${notice}` : message;
  }

  private readonly _dot: HTMLElement;
  private readonly _label: HTMLElement;
  private readonly _poll: Poll;
}
