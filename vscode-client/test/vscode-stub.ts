// A stand-in for the `vscode` module, installed before any module under test requires it. It records
// what the extension does (status bar items, messages) and lets a test set configuration values.

import Module from "node:module";

type Listener<T> = (value: T) => void;

export class EventEmitter<T> {
    private listeners: Listener<T>[] = [];
    event = (listener: Listener<T>): { dispose(): void } => {
        this.listeners.push(listener);
        return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
    };
    fire(value: T): void {
        for (const listener of [...this.listeners]) {
            listener(value);
        }
    }
    dispose(): void {
        this.listeners = [];
    }
}

export class ThemeColor {
    constructor(readonly id: string) {}
}

export interface FakeStatusBarItem {
    id: string;
    text: string;
    tooltip: string | undefined;
    name: string | undefined;
    command: string | undefined;
    backgroundColor: ThemeColor | undefined;
    accessibilityInformation: { label: string } | undefined;
    visible: boolean;
    show(): void;
    hide(): void;
    dispose(): void;
}

/** Settings as a test sets them: full key → value; `explicit` marks user-set (not default) values. */
export const settings = new Map<string, { value: unknown; explicit: boolean }>();
export const statusBarItems: FakeStatusBarItem[] = [];
export const configurationChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
export const activeEditorChanged = new EventEmitter<unknown>();
export const state: { activeLanguage: string | undefined } = { activeLanguage: undefined };
/** Messages shown, commands run and progress notifications, in order. */
export const shown: { kind: string; text: string }[] = [];
export const executed: { command: string; args: unknown[] }[] = [];

export class CancellationTokenSource {
    private readonly emitter = new EventEmitter<void>();
    token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
    cancel(): void {
        this.token.isCancellationRequested = true;
        this.emitter.fire();
    }
}

export interface FakeProgress {
    title: string | undefined;
    reports: string[];
    cancel: CancellationTokenSource;
}
export const progresses: FakeProgress[] = [];

class Uri {
    constructor(
        readonly scheme: string,
        readonly path: string,
        readonly query: string,
    ) {}
    static from(parts: { scheme: string; path?: string; query?: string }): Uri {
        return new Uri(parts.scheme, parts.path ?? "", parts.query ?? "");
    }
    static parse(value: string): Uri {
        const url = new URL(value);
        return new Uri(url.protocol.replace(/:$/, ""), decodeURIComponent(url.pathname), url.search.replace(/^\?/, ""));
    }
    toString(): string {
        return `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ""}`;
    }
}

function show(kind: string) {
    return (text: string): Promise<undefined> => {
        shown.push({ kind, text });
        return Promise.resolve(undefined);
    };
}

function configuration(prefix: string): unknown {
    const full = (key: string): string => (prefix === "" ? key : `${prefix}.${key}`);
    return {
        get: <T>(key: string): T | undefined => settings.get(full(key))?.value as T | undefined,
        inspect: <T>(key: string) => {
            const entry = settings.get(full(key));
            return entry === undefined ? undefined : { globalValue: entry.explicit ? (entry.value as T) : undefined };
        },
        update: (key: string, value: unknown) => {
            settings.set(full(key), { value, explicit: true });
            configurationChanged.fire({ affectsConfiguration: (s: string) => full(key).startsWith(s) });
            return Promise.resolve();
        },
    };
}

export const vscode = {
    EventEmitter,
    ThemeColor,
    Uri,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2 },
    commands: {
        executeCommand(command: string, ...args: unknown[]): Promise<undefined> {
            executed.push({ command, args });
            return Promise.resolve(undefined);
        },
    },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    window: {
        get activeTextEditor() {
            return state.activeLanguage === undefined ? undefined : { document: { languageId: state.activeLanguage } };
        },
        createStatusBarItem(id: string): FakeStatusBarItem {
            const item: FakeStatusBarItem = {
                id,
                text: "",
                tooltip: undefined,
                name: undefined,
                command: undefined,
                backgroundColor: undefined,
                accessibilityInformation: undefined,
                visible: false,
                show() {
                    item.visible = true;
                },
                hide() {
                    item.visible = false;
                },
                dispose() {
                    item.visible = false;
                },
            };
            statusBarItems.push(item);
            return item;
        },
        onDidChangeActiveTextEditor: activeEditorChanged.event,
        showInformationMessage: show("info"),
        showWarningMessage: show("warning"),
        showErrorMessage: show("error"),
        withProgress<R>(
            options: { title?: string },
            task: (progress: { report(value: { message?: string }) : void }, token: unknown) => Promise<R>,
        ): Promise<R> {
            const record: FakeProgress = { title: options.title, reports: [], cancel: new CancellationTokenSource() };
            progresses.push(record);
            return task({ report: (value) => record.reports.push(value.message ?? "") }, record.cancel.token);
        },
    },
    workspace: {
        getConfiguration: (prefix = "") => configuration(prefix),
        onDidChangeConfiguration: configurationChanged.event,
    },
};

const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const original = loader._load;
loader._load = function (this: unknown, request: string, ...rest: unknown[]): unknown {
    return request === "vscode" ? vscode : original.call(this, request, ...rest);
};
