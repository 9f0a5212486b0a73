// Shared by Explain and Fix: what they act on (the selection, or the cursor, letting the server pick the
// enclosing code) and how they report a failure.

import * as path from "node:path";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { engineNotReady, errorText } from "./results";

/** The slice of the language client that Explain and Fix use (tests pass a fake). */
export type CommandClient = Pick<LanguageClient, "sendRequest" | "onProgress">;

export interface CodeTarget {
    uri: string;
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export function editorTarget(client: LanguageClient, editor: vscode.TextEditor): CodeTarget {
    const converter = client.code2ProtocolConverter;
    return { uri: converter.asUri(editor.document.uri), range: converter.asRange(editor.selection) };
}

/** Arguments from a server command (a code action): `[{uri, range}]`. */
export function argsTarget(args: unknown[]): CodeTarget | undefined {
    const first = args[0] as Partial<CodeTarget> | undefined;
    return typeof first?.uri === "string" && typeof first.range === "object" ? (first as CodeTarget) : undefined;
}

export function targetTitle(target: CodeTarget): string {
    const name = path.basename(vscode.Uri.parse(target.uri).path);
    const { start, end } = target.range;
    return start.line === end.line ? `${name}, line ${start.line + 1}` : `${name}, lines ${start.line + 1}–${end.line + 1}`;
}

/** An error message; "Start model server" when that is what is missing. */
export function showFailure(what: string, error: unknown): void {
    const actions = engineNotReady(error) ? ["Start model server"] : [];
    void vscode.window.showErrorMessage(`codepal: ${what} failed: ${errorText(error)}`, ...actions).then((pick) => {
        if (pick === "Start model server") {
            void vscode.commands.executeCommand("codepal.startEngine");
        }
    });
}
