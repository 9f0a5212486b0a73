// "codepal: Fix this bug": the server computes a verified minimal edit and applies it through
// workspace/applyEdit (versioned: rejected if the document changed meanwhile); vscode-languageclient
// applies it as one undoable edit. Here: progress, cancellation, and the outcome.

import * as vscode from "vscode";
import { ExecuteCommandRequest, WorkDoneProgress } from "vscode-languageserver-protocol";

import { fixOutcome } from "./results";
import { type CodeTarget, type CommandClient, showFailure, targetTitle } from "./target";

export async function fixBug(client: CommandClient, target: CodeTarget): Promise<unknown> {
    const title = targetTitle(target);
    const token = `codepal-fix-${Date.now()}`;
    return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "codepal: Fix this bug", cancellable: true },
        async (progress, cancel) => {
            progress.report({ message: `${title}: thinking…` });
            const listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
                if (value.kind !== "end" && value.message) {
                    progress.report({ message: `${title}: ${value.message}` });
                }
            });
            try {
                const result: unknown = await client.sendRequest(
                    ExecuteCommandRequest.type,
                    { command: "codepal.fix", arguments: [target], workDoneToken: token },
                    cancel,
                );
                const outcome = fixOutcome(result);
                if (outcome.applied === false) {
                    void vscode.window.showWarningMessage(`codepal: no fix applied${outcome.message ? `: ${outcome.message}` : "."}`);
                } else {
                    void vscode.window.showInformationMessage(
                        `codepal: ${outcome.message ?? "fix applied"} (undo with ${process.platform === "darwin" ? "⌘Z" : "Ctrl+Z"}).`,
                    );
                }
                return result;
            } catch (error) {
                if (!cancel.isCancellationRequested) {
                    showFailure("Fix", error);
                }
                return undefined;
            } finally {
                listener.dispose();
            }
        },
    );
}
