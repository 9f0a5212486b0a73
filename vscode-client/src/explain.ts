// "codepal: Explain": a markdown preview beside the editor that streams the server's `$/progress`, then
// shows the answer. The preview renders a virtual document (scheme codepal-explain) that is updated as
// text arrives; the progress notification cancels the request.

import * as vscode from "vscode";
import { ExecuteCommandRequest, WorkDoneProgress } from "vscode-languageserver-protocol";

import { errorText, type ExplainState, explainMarkdown, foldProgress, resultMarkdown } from "./results";
import { type CodeTarget, type CommandClient, showFailure, targetTitle } from "./target";

export const EXPLAIN_SCHEME = "codepal-explain";
const UPDATE_MS = 150;

export class ExplainPreviews implements vscode.TextDocumentContentProvider, vscode.Disposable {
    private readonly states = new Map<string, ExplainState>();
    private readonly changed = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changed.event;
    private count = 0;

    provideTextDocumentContent(uri: vscode.Uri): string {
        const state = this.states.get(uri.toString());
        return state === undefined ? "_This explanation is no longer available._\n" : explainMarkdown(state);
    }

    async explain(client: CommandClient, target: CodeTarget): Promise<string | undefined> {
        this.count += 1;
        const title = targetTitle(target);
        const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/Explain ${this.count}.md`, query: title });
        const state: ExplainState = { title, status: "", partial: "" };
        this.states.set(uri.toString(), state);
        await this.open(uri);

        let timer: NodeJS.Timeout | undefined;
        const refresh = (now = false): void => {
            if (now) {
                clearTimeout(timer);
                timer = undefined;
                this.changed.fire(uri);
            } else {
                timer ??= setTimeout(() => {
                    timer = undefined;
                    this.changed.fire(uri);
                }, UPDATE_MS);
            }
        };

        const token = `codepal-explain-${Date.now()}-${this.count}`;
        return vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: "codepal: Explain", cancellable: true },
            async (progress, cancel) => {
                progress.report({ message: `${title}: thinking…` });
                const listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
                    foldProgress(state, value);
                    if (value.kind !== "end" && value.message) {
                        progress.report({ message: `${title}: ${value.message}` });
                    }
                    refresh();
                });
                try {
                    const result: unknown = await client.sendRequest(
                        ExecuteCommandRequest.type,
                        { command: "codepal.explain", arguments: [target], workDoneToken: token },
                        cancel,
                    );
                    state.result = resultMarkdown(result) ?? state.partial;
                    return state.result;
                } catch (error) {
                    if (cancel.isCancellationRequested) {
                        state.cancelled = true;
                    } else {
                        state.error = errorText(error);
                        showFailure("Explain", error);
                    }
                    return undefined;
                } finally {
                    listener.dispose();
                    refresh(true);
                }
            },
        );
    }

    /** The built-in markdown preview beside the editor; the raw markdown if that extension is absent. */
    private async open(uri: vscode.Uri): Promise<void> {
        try {
            await vscode.commands.executeCommand("markdown.showPreviewToSide", uri);
        } catch {
            const document = await vscode.workspace.openTextDocument(uri);
            await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
        }
    }

    dispose(): void {
        this.changed.dispose();
        this.states.clear();
    }
}
