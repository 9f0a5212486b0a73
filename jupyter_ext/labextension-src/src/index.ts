/**
 * codepal for JupyterLab: "Fix this error" on error outputs, inline completions, "Explain", and the
 * engine's state in the status bar. All model work happens in the Jupyter server extension.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ICompletionProviderManager } from '@jupyterlab/completer';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IStatusBar } from '@jupyterlab/statusbar';

import { kernelChanged, type IErrorOutput } from './api';
import { ExplainView } from './explain';
import { addFixButtons, FixPanel } from './fix';
import { CodepalInlineProvider } from './inline';
import { StatusItem } from './status';

const CMD_EXPLAIN = 'codepal:explain';
const CMD_FIX = 'codepal:fix-cell';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'codepal:plugin',
  description: 'Fix this error, inline completions and Explain on a local model server.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ICompletionProviderManager, ICommandPalette, IStatusBar, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    completions: ICompletionProviderManager | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null
  ) => {
    const fixAt = (origin: HTMLElement, error: IErrorOutput | null): void => {
      tracker.forEach(panel => {
        const index = panel.content.widgets.findIndex(cell => cell.node.contains(origin));
        if (index >= 0) {
          FixPanel.open(panel, panel.content.widgets[index], index, error);
        }
      });
    };
    addFixButtons(rendermime, fixAt);

    // After a cell runs, the server summarises the kernel's variables while nobody waits for them.
    NotebookActions.executed.connect((_, { notebook }) => {
      const panel = tracker.find(p => p.content === notebook);
      const kernelId = panel?.sessionContext.session?.kernel?.id;
      if (kernelId) {
        kernelChanged(kernelId).catch(() => undefined); // best effort: fix and explain ask again anyway
      }
    });

    app.commands.addCommand(CMD_FIX, {
      label: 'codepal: Fix the Error of This Cell',
      isEnabled: () => !!tracker.activeCell,
      execute: () => {
        const panel = tracker.currentWidget;
        const cell = tracker.activeCell;
        if (panel && cell) {
          FixPanel.open(panel, cell, panel.content.activeCellIndex, lastError(cell.model.toJSON()));
        }
      }
    });

    let explainWidget: MainAreaWidget<ExplainView> | null = null;
    app.commands.addCommand(CMD_EXPLAIN, {
      label: 'codepal: Explain This Code',
      isEnabled: () => !!tracker.activeCell,
      execute: () => {
        const panel = tracker.currentWidget;
        if (!panel || !tracker.activeCell) {
          return;
        }
        if (!explainWidget || explainWidget.isDisposed) {
          explainWidget = new MainAreaWidget({ content: new ExplainView(rendermime) });
          explainWidget.id = 'codepal-explain';
          explainWidget.title.label = 'codepal: Explain';
          explainWidget.title.closable = true;
          app.shell.add(explainWidget, 'main', { mode: 'split-right', ref: panel.id });
        }
        app.shell.activateById(explainWidget.id);
        const [start, end] = selection(panel);
        void explainWidget.content.run(panel, panel.content.activeCellIndex, start, end);
      }
    });
    for (const command of [CMD_EXPLAIN, CMD_FIX]) {
      app.contextMenu.addItem({ command, selector: '.jp-Notebook .jp-Cell', rank: 40 });
      palette?.addItem({ command, category: 'codepal' });
    }

    completions?.registerInlineProvider(new CodepalInlineProvider());

    if (statusBar) {
      statusBar.registerStatusItem('codepal:status', { item: new StatusItem(), align: 'left', rank: 50 });
    }
  }
};

/** The selection in the active cell's editor as UTF-16 offsets; none when nothing is selected. */
function selection(panel: NotebookPanel): [number | undefined, number | undefined] {
  const editor = panel.content.activeCell?.editor;
  if (!editor) {
    return [undefined, undefined];
  }
  const range = editor.getSelection();
  const start = editor.getOffsetAt(range.start);
  const end = editor.getOffsetAt(range.end);
  return start === end ? [undefined, undefined] : [Math.min(start, end), Math.max(start, end)];
}

function lastError(cell: unknown): IErrorOutput | null {
  const outputs = (cell as { outputs?: Array<Record<string, unknown>> }).outputs ?? [];
  const error = [...outputs].reverse().find(output => output.output_type === 'error');
  if (!error) {
    return null;
  }
  return {
    ename: String(error.ename ?? ''),
    evalue: String(error.evalue ?? ''),
    traceback: Array.isArray(error.traceback) ? error.traceback.map(String) : []
  };
}

export default plugin;
