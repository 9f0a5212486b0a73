// codepal for VS Code: a thin client. It starts `codepal lsp`, lets vscode-languageclient carry inline
// completions, code actions and commands, and shows state. Everything smart is in the server.

import * as vscode from "vscode";

import { type CommandRoute, ServerManager } from "./client";
import { EXPLAIN_SCHEME, ExplainPreviews } from "./explain";
import { fixBug } from "./fix";
import { serveCommand } from "./launch";
import { StatusBar } from "./statusBar";
import { argsTarget, type CodeTarget, editorTarget } from "./target";

let manager: ServerManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
    const activatedAt = Date.now();
    const output = vscode.window.createOutputChannel("codepal", { log: true });
    const previews = new ExplainPreviews();
    const routes = new Map<string, CommandRoute>();
    const server = new ServerManager(context.extension.packageJSON, output, routes);
    manager = server;
    const statusBar = new StatusBar(server);

    /** The code to act on: a code action's arguments, else the active editor's selection. */
    const target = (args: unknown[]): { client: NonNullable<ReturnType<ServerManager["readyClient"]>>; target: CodeTarget } | undefined => {
        const editor = vscode.window.activeTextEditor;
        const fromArgs = argsTarget(args);
        if (fromArgs === undefined && editor === undefined) {
            void vscode.window.showInformationMessage("codepal: open a file and select code first.");
            return undefined;
        }
        const client = server.readyClient();
        if (client === undefined) {
            return undefined;
        }
        return { client, target: fromArgs ?? editorTarget(client, editor as vscode.TextEditor) };
    };
    const explain: CommandRoute = async (args) => {
        const t = target(args);
        return t === undefined ? undefined : previews.explain(t.client, t.target);
    };
    const fix: CommandRoute = async (args) => {
        const t = target(args);
        return t === undefined ? undefined : fixBug(t.client, t.target);
    };
    routes.set("codepal.explain", explain);
    routes.set("codepal.fix", fix);

    context.subscriptions.push(
        output,
        previews,
        server,
        statusBar,
        vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, previews),
        vscode.commands.registerCommand("codepal.explainSelection", () => explain([])),
        vscode.commands.registerCommand("codepal.fixBug", () => fix([])),
        vscode.commands.registerCommand("codepal.startEngine", () => startEngine(server)),
        vscode.commands.registerCommand("codepal.showMenu", () => statusBar.showMenu()),
        vscode.commands.registerCommand("codepal.showLog", () => server.channel.show(true)),
        vscode.commands.registerCommand("codepal.restartServer", () => server.restart()),
        vscode.commands.registerCommand("codepal.toggleCompletions", () => toggleCompletions()),
    );
    output.info(`extension activated in ${Date.now() - activatedAt} ms`);
    // Not awaited: activation returns at once; the status bar shows the server starting.
    void server.start();
}

function startEngine(server: ServerManager): void {
    const state = server.engine?.state;
    if (state === "ready" || state === "starting") {
        void vscode.window.showInformationMessage(`codepal: the model server is already ${state}.`);
        return;
    }
    if (server.plan === undefined) {
        void vscode.window.showErrorMessage("codepal: codepal was not found, so the model server cannot be started.");
        return;
    }
    const { command, args } = serveCommand(server.plan);
    // A terminal shows vLLM's output and stops it when closed; the language server finds the engine
    // through its state file and reports `ready` on the status bar.
    const terminal = vscode.window.createTerminal({ name: "codepal model server", shellPath: command, shellArgs: args });
    terminal.show(true);
}

async function toggleCompletions(): Promise<void> {
    const config = vscode.workspace.getConfiguration("codepal");
    const seen = config.inspect<boolean>("completion.enabled");
    const on = config.get<boolean>("completion.enabled") !== false;
    // Change it where it is set, so a workspace value does not hide the change.
    const target = seen?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await config.update("completion.enabled", !on, target);
    void vscode.window.setStatusBarMessage(`codepal: inline completions ${on ? "off" : "on"}`, 3000);
}

export async function deactivate(): Promise<void> {
    await manager?.stop();
    manager = undefined;
}
