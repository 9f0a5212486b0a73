// The language server's lifecycle: launch `codepal lsp`, restart it after a crash a few times, then stop
// with an actionable error; forward settings; carry `codepal/status`.

import * as os from "node:os";
import * as readline from "node:readline";
import * as vscode from "vscode";
import {
    CloseAction,
    DidChangeConfigurationNotification,
    ErrorAction,
    ExecuteCommandRequest,
    LanguageClient,
    type LanguageClientOptions,
    State,
    TransportKind,
} from "vscode-languageclient/node";

import { type LaunchPlan, resolveLaunch } from "./launch";
import { machineProbes } from "./probes";
import { connectionErrorAction, crashMessage, LineTail, RestartPolicy } from "./restart";
import { StderrLevels } from "./serverLog";
import { serverSettingKeys, toServerOptions } from "./settings";
import { type EngineStatus, parseEngineStatus, type ServerState } from "./status";

export const STATUS_NOTIFICATION = "codepal/status";
export type CommandRoute = (args: unknown[]) => Promise<unknown>;

function lines(input: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    readline.createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 }).on("line", onLine);
}

/**
 * vscode-languageclient shows some errors as notifications whatever the options say ("force"): when a
 * server dies while it starts, "couldn't create connection to server" and "Restarting server failed" at
 * each attempt. Once this extension has said itself why the server is down and what to do (state
 * "failed"), those generic ones only push its message out of view; they still go to the log.
 */
class CodepalLanguageClient extends LanguageClient {
    quiet: (() => boolean) | undefined; // set after construction

    override error(message: string, data?: unknown, showNotification: boolean | "force" = true): void {
        super.error(message, data, this.quiet?.() === true ? false : showNotification);
    }
}

export class ServerManager implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private readonly policy = new RestartPolicy(3, 3 * 60 * 1000);
    private readonly tail = new LineTail(30); // the server's last stderr lines
    private readonly problems = new LineTail(10); // its last warnings and errors (tracebacks included)
    readonly channel: vscode.LogOutputChannel;
    private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
    private readonly engineEmitter = new vscode.EventEmitter<EngineStatus | undefined>();
    readonly onDidChangeState = this.stateEmitter.event;
    readonly onDidChangeEngine = this.engineEmitter.event;
    state: ServerState = "stopped";
    engine: EngineStatus | undefined;
    plan: LaunchPlan | undefined;
    private startedAt = 0;
    private clientListener: vscode.Disposable | undefined;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(
        private readonly packageJson: unknown,
        output: vscode.LogOutputChannel,
        private readonly routes: Map<string, CommandRoute>,
    ) {
        this.channel = output;
        this.disposables.push(
            this.stateEmitter,
            this.engineEmitter,
            vscode.workspace.onDidChangeConfiguration((e) => void this.configurationChanged(e)),
        );
    }

    /** The running client, or undefined (with a message shown) when the server is not up. */
    readyClient(): LanguageClient | undefined {
        if (this.client !== undefined && this.client.state === State.Running) {
            return this.client;
        }
        void vscode.window
            .showWarningMessage(`codepal: the language server is ${this.state}.`, "Show log", "Restart server")
            .then((pick) => this.handlePick(pick));
        return undefined;
    }

    serverOptions(): Record<string, unknown> {
        return toServerOptions(vscode.workspace.getConfiguration(), serverSettingKeys(this.packageJson));
    }

    async start(): Promise<void> {
        this.setState("starting");
        this.tail.clear();
        this.problems.clear();
        this.setEngine(undefined);
        this.startedAt = Date.now();
        const pythonPath = vscode.workspace.getConfiguration("codepal").get<string>("pythonPath");
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
        try {
            this.plan = await resolveLaunch(pythonPath, machineProbes, folder, os.homedir());
        } catch (error) {
            this.fail(error instanceof Error ? error.message : String(error));
            return;
        }
        const plan = this.plan;
        // A Python without codepal would fail during initialize, which vscode-languageclient reports with
        // several generic errors; say what is wrong once instead.
        if (plan.source === "setting" && plan.python !== undefined && !(await machineProbes.hasCodepal(plan.python))) {
            this.fail(
                `codepal: ${plan.python} cannot run codepal (python -c "import codepal" failed). Install it ` +
                    `there (pip install codepal) or set "codepal.pythonPath" to the Python that has it.`,
            );
            return;
        }
        this.channel.info(`starting: ${plan.command} ${plan.args.join(" ")} (from ${plan.source})`);
        const client = new CodepalLanguageClient(
            "codepal",
            "codepal",
            { command: plan.command, args: plan.args, transport: TransportKind.stdio, options: { env: process.env } },
            this.clientOptions(plan),
        );
        client.quiet = () => this.client === client && this.state === "failed";
        // Explain and Fix results are shown by this extension (a preview, notifications): the server then
        // only returns them instead of opening a markdown file or sending window/showMessage.
        client.registerFeature({
            fillClientCapabilities: (capabilities) => {
                capabilities.experimental = { ...(capabilities.experimental as object | undefined), codepal: { resultView: true } };
            },
            initialize: () => undefined,
            getState: () => ({ kind: "static" }),
            clear: () => undefined,
        });
        client.onNotification(STATUS_NOTIFICATION, (params: unknown) => this.setEngine(parseEngineStatus(params)));
        this.clientListener?.dispose();
        this.clientListener = client.onDidChangeState((e) => {
            if (this.client === client) {
                this.clientStateChanged(e.newState);
            }
        });
        this.client = client;
        try {
            await client.start();
        } catch (error) {
            // "restarting": the server died while it started and closed() has it in hand (the policy
            // restarts it, or fail() says it will not be).
            if (this.client === client && this.state !== "failed" && this.state !== "restarting") {
                const tail = this.lastOutput();
                const why = error instanceof Error ? error.message : String(error);
                this.fail(`codepal: the language server (${plan.command}) did not start: ${why}. ` +
                    `${tail.length > 0 ? `Last output: ${tail.join(" ⏎ ")}. ` : ""}` +
                    `Check that codepal is installed for that Python or set "codepal.pythonPath".`);
            }
        }
    }

    private clientOptions(plan: LaunchPlan): LanguageClientOptions {
        return {
            documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
            outputChannel: this.channel,
            traceOutputChannel: this.channel,
            stdioOptions: {
                // stdout is the protocol under stdio; this only serves other transports.
                stdout: (input, channel) => lines(input, (line) => channel.info(line)),
                // Server log lines at their own level, and the last ones kept for crash messages.
                stderr: (input, channel) => {
                    const levels = new StderrLevels();
                    lines(input, (line) => {
                        this.tail.appendLine(line);
                        const [level, text] = levels.classify(line);
                        if (level === "warn" || level === "error") {
                            this.problems.appendLine(text);
                        }
                        channel[level](text);
                    });
                },
            },
            // A function, so a restart after a crash sends the settings of that moment.
            initializationOptions: () => this.serverOptions(),
            // Failures are logged and summarised by this extension (fail()), not shown as generic popups.
            initializationFailedHandler: (error) => {
                this.channel.error(`initialize failed: ${String(error)}`);
                return false;
            },
            errorHandler: {
                error: (error, _message, count) => {
                    this.channel.error(`connection error: ${error.message}`);
                    if (connectionErrorAction(error, count) === "continue") {
                        return { action: ErrorAction.Continue, handled: true };
                    }
                    // The client stops itself, and a stop is not a close: closed() will not run, so say here
                    // that the server is gone (else the status bar would only say "down").
                    if (this.client !== undefined && this.state !== "failed") {
                        this.fail(`codepal: the connection to the language server (${plan.command}) failed: ${error.message}. ` +
                            `It was stopped; restart the server, and if this repeats, see codepal's log.`);
                    }
                    return { action: ErrorAction.Shutdown, handled: true };
                },
                closed: () => {
                    const decision = this.policy.recordCrash();
                    if (decision.restart) {
                        this.channel.info(`the language server stopped; restarting (${decision.crashes}/${this.policy.maxRestarts})`);
                        this.setState("restarting");
                        return { action: CloseAction.Restart, handled: true };
                    }
                    this.fail(crashMessage(decision.crashes, this.policy.windowMs, this.lastOutput(), plan.command));
                    return { action: CloseAction.DoNotRestart, handled: true };
                },
            },
            middleware: {
                // VS Code shows the same suggestion as ghost text (inline completions): the server's classic
                // completion items, meant for editors without them, would only duplicate it in the
                // suggest widget and cost a second model request.
                provideCompletionItem: () => [],
                // Server commands carried by code actions (Explain, Fix) open this extension's UI.
                executeCommand: (command, args, next): Promise<unknown> => {
                    const route = this.routes.get(command);
                    return route !== undefined ? route(args) : Promise.resolve(next(command, args) as unknown);
                },
            },
        };
    }

    private clientStateChanged(state: State): void {
        if (state === State.Running) {
            this.setState("running");
            this.channel.info(`language server ready in ${Date.now() - this.startedAt} ms`);
            void this.refreshEngine();
        } else if (state === State.Starting) {
            this.setState(this.state === "restarting" ? "restarting" : "starting");
        } else if (state === State.Stopped && this.state !== "failed" && this.state !== "restarting") {
            this.setState("stopped");
        }
    }

    async refreshEngine(): Promise<void> {
        if (this.client?.state !== State.Running) {
            return;
        }
        try {
            const result: unknown = await this.client.sendRequest(ExecuteCommandRequest.type, {
                command: "codepal.status",
                arguments: [],
            });
            this.setEngine(parseEngineStatus(result));
        } catch (error) {
            this.channel.warn(`codepal.status failed: ${String(error)}`);
        }
    }

    /** For error messages: the server's last warnings or errors, else its last lines. */
    private lastOutput(): string[] {
        const problems = this.problems.last(2);
        return problems.length > 0 ? problems : this.tail.last(2);
    }

    private fail(message: string): void {
        this.setState("failed");
        this.channel.error(message);
        void vscode.window
            .showErrorMessage(message, "Show log", "Set Python path", "Restart server")
            .then((pick) => this.handlePick(pick));
    }

    private async handlePick(pick: string | undefined): Promise<void> {
        if (pick === "Show log") {
            this.channel.show(true);
        } else if (pick === "Set Python path") {
            await vscode.commands.executeCommand("workbench.action.openSettings", "codepal.pythonPath");
        } else if (pick === "Restart server") {
            await this.restart();
        }
    }

    /** A restart the user asked for: the crash count starts afresh. */
    async restart(): Promise<void> {
        this.policy.reset();
        await this.stop();
        await this.start();
    }

    async stop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (client !== undefined) {
            try {
                await client.dispose(2000);
            } catch (error) {
                this.channel.warn(`stopping the language server: ${String(error)}`);
            }
        }
        this.setState("stopped");
    }

    private async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
        if (!event.affectsConfiguration("codepal")) {
            return;
        }
        if (event.affectsConfiguration("codepal.pythonPath")) {
            await this.restart();
            return;
        }
        if (this.client?.state === State.Running) {
            await this.client.sendNotification(DidChangeConfigurationNotification.type, {
                settings: { codepal: this.serverOptions() },
            });
        }
    }

    private setState(state: ServerState): void {
        if (this.state !== state) {
            this.state = state;
            this.stateEmitter.fire(state);
        }
    }

    private setEngine(engine: EngineStatus | undefined): void {
        this.engine = engine;
        this.engineEmitter.fire(engine);
    }

    dispose(): void {
        void this.stop();
        this.clientListener?.dispose();
        for (const d of this.disposables) {
            d.dispose();
        }
    }
}
