// The status bar item and its click menu.

import * as vscode from "vscode";

import type { ServerManager } from "./client";
import { completionsOn } from "./settings";
import { statusView } from "./status";

export class StatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(private readonly manager: ServerManager) {
        this.item = vscode.window.createStatusBarItem("codepal.status", vscode.StatusBarAlignment.Right, 100);
        this.item.name = "codepal";
        this.item.command = "codepal.showMenu";
        this.disposables.push(
            this.item,
            manager.onDidChangeState(() => this.update()),
            manager.onDidChangeEngine(() => this.update()),
            vscode.workspace.onDidChangeConfiguration((e) => {
                if (e.affectsConfiguration("codepal.completion")) {
                    this.update();
                }
            }),
            vscode.window.onDidChangeActiveTextEditor(() => this.update()),
        );
        this.update();
        this.item.show();
    }

    update(): void {
        const language = vscode.window.activeTextEditor?.document.languageId;
        const on = completionsOn(vscode.workspace.getConfiguration(), language);
        const view = statusView(this.manager.state, this.manager.engine, on);
        this.item.text = view.text;
        this.item.tooltip = view.tooltip;
        this.item.accessibilityInformation = { label: `codepal: ${view.label}`, role: "button" };
        this.item.backgroundColor =
            view.severity === "error"
                ? new vscode.ThemeColor("statusBarItem.errorBackground")
                : view.severity === "warning"
                  ? new vscode.ThemeColor("statusBarItem.warningBackground")
                  : undefined;
    }

    async showMenu(): Promise<void> {
        const on = vscode.workspace.getConfiguration("codepal").get<boolean>("completion.enabled") !== false;
        const items: (vscode.QuickPickItem & { command: string })[] = [
            { label: "$(output) Show log", command: "codepal.showLog" },
            { label: "$(debug-restart) Restart language server", command: "codepal.restartServer" },
            { label: "$(play) Start model server", command: "codepal.startEngine" },
            {
                label: on ? "$(circle-slash) Turn inline completions off" : "$(check) Turn inline completions on",
                command: "codepal.toggleCompletions",
            },
        ];
        const engine = this.manager.engine;
        const pick = await vscode.window.showQuickPick(items, {
            title: "codepal",
            placeHolder: engine ? `model server: ${engine.state}${engine.message ? ` — ${engine.message}` : ""}` : `language server: ${this.manager.state}`,
        });
        if (pick !== undefined) {
            await vscode.commands.executeCommand(pick.command);
        }
    }

    dispose(): void {
        for (const d of this.disposables) {
            d.dispose();
        }
    }
}
