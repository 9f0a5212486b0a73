/** The engine's state in the status bar: ready, starting or down, with the server's message as tooltip. */
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
    this.node.dataset.state = label;
    this._label.textContent = `codepal: ${label}`;
    this.node.title = status.model ? `${status.message} (${status.model})` : status.message;
  }

  private readonly _dot: HTMLElement;
  private readonly _label: HTMLElement;
  private readonly _poll: Poll;
}
