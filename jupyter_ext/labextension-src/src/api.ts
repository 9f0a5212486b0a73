/**
 * The codepal routes of the Jupyter server: JSON requests, and server-sent events for explain and fix.
 * Offsets sent are UTF-16 code units (what the editor counts); the server converts.
 */
import { URLExt } from '@jupyterlab/coreutils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

export interface IWireCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string;
}

export interface INotebookBody {
  cells: IWireCell[];
  cell_index: number;
  language: string;
  path: string;
  /** The notebook's kernel: the server asks it (when idle) for its variables' names, types and shapes. */
  kernel_id: string | null;
}

export interface IErrorOutput {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface IStatus {
  state: 'stopped' | 'starting' | 'ready' | 'degraded' | 'crashed';
  message: string;
  model: string | null;
  notice?: string; // set while the 135 M demo model stands in for DeepSeek-R1 (what it is, how to install R1)
}

export interface ICompleteAnswer {
  completion: { insert_text: string; from_cache: boolean } | null;
  state: IStatus['state'];
}

export interface IDiffLine {
  op: ' ' | '-' | '+' | '…';
  text: string;
}

export interface IFixResult {
  ok: boolean;
  message: string;
  original: string;
  new_text: string | null;
  diff: IDiffLine[];
  attempts: number;
  /** The kernel's variables the fix relied on ("df: pandas.DataFrame — shape (3, 2); columns: …"). */
  kernel_facts?: string[];
}

export interface IExplainResult {
  markdown: string;
  thinking_tokens: number;
}

export type StreamEvent<R> =
  | { event: 'thinking'; data: { text: string } }
  | { event: 'answer'; data: { text: string } }
  | { event: 'result'; data: R }
  | { event: 'error'; data: { status: number; kind: string; message: string } };

/** A failure with the server's own message (shown to the user as is). */
export class CodepalError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

const settings = ServerConnection.makeSettings();

function url(route: string): string {
  return URLExt.join(settings.baseUrl, 'codepal', route);
}

async function send(route: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = body === undefined ? { method: 'GET', signal } : {
    method: 'POST',
    body: JSON.stringify(body),
    signal
  };
  const response = await ServerConnection.makeRequest(url(route), init, settings);
  if (!response.ok) {
    let message = response.statusText;
    try {
      message = ((await response.json()) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the status text
    }
    throw new CodepalError(message, response.status);
  }
  return response;
}

/** A cell of this notebook has run: the server refreshes its summary of the kernel in the background. */
export async function kernelChanged(kernelId: string): Promise<void> {
  await send('kernel', { kernel_id: kernelId });
}

export async function getStatus(): Promise<IStatus> {
  return (await (await send('status', undefined)).json()) as IStatus;
}

export async function complete(
  body: INotebookBody & { offset: number; invoked: boolean },
  signal: AbortSignal
): Promise<ICompleteAnswer> {
  return (await (await send('complete', body, signal)).json()) as ICompleteAnswer;
}

/** The events of an explain or fix stream, as they arrive. Aborting `signal` closes the connection,
 * which makes the server stop generating. */
export async function* stream<R>(
  route: 'explain' | 'fix',
  body: unknown,
  signal: AbortSignal
): AsyncGenerator<StreamEvent<R>> {
  const response = await send(route, body, signal);
  if (!response.body) {
    throw new CodepalError('the browser cannot read streamed answers', 0);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseEvent<R>(block);
        if (event) {
          yield event;
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseEvent<R>(block: string): StreamEvent<R> | null {
  let name = '';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) {
      name = line.slice(7);
    } else if (line.startsWith('data: ')) {
      data += line.slice(6);
    }
  }
  return name && data ? ({ event: name, data: JSON.parse(data) } as StreamEvent<R>) : null;
}

/** The notebook as the server wants it: every cell's source, which one is current, the language. */
export function notebookBody(panel: NotebookPanel, index: number): INotebookBody {
  const model = panel.content.model;
  const cells: IWireCell[] = [];
  if (model) {
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      const kind = cell.type === 'code' || cell.type === 'markdown' ? cell.type : 'raw';
      cells.push({ cell_type: kind, source: cell.sharedModel.getSource() });
    }
  }
  const info = model?.getMetadata('language_info') as { name?: string } | undefined;
  return {
    cells,
    cell_index: index,
    language: info?.name ?? 'python',
    path: panel.context.path,
    kernel_id: panel.sessionContext.session?.kernel?.id ?? null
  };
}
