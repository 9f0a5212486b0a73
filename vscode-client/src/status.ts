// What the status bar shows, from the language server's state and the engine's `codepal/status`.
// Pure: no `vscode` import, so it is unit-tested directly.

/** The language server process, as the extension sees it. */
export type ServerState = "starting" | "running" | "restarting" | "failed" | "stopped";

/** `codepal/status` notification params and the `codepal.status` command's result. */
export interface EngineStatus {
    state: string; // stopped | starting | ready | degraded | crashed
    message?: string;
    model?: string;
    url?: string;
    notice?: string; // set while the 135 M demo model stands in for DeepSeek-R1 (what it is, how to install R1)
    [extra: string]: unknown;
}

/** The user-facing word for the whole: what the issue calls ready / starting / down / crashed. */
export type StatusLabel = "ready" | "starting" | "down" | "degraded" | "crashed";

export interface StatusView {
    label: StatusLabel;
    text: string; // status bar text, with a codicon
    tooltip: string;
    severity: "ok" | "busy" | "warning" | "error";
}

const ICONS: Record<StatusLabel, string> = {
    ready: "$(check)",
    starting: "$(sync~spin)",
    down: "$(debug-disconnect)",
    degraded: "$(warning)",
    crashed: "$(error)",
};

function view(label: StatusLabel, severity: StatusView["severity"], tooltip: string, off: boolean): StatusView {
    const icon = off && label === "ready" ? "$(circle-slash)" : ICONS[label];
    const text = label === "ready" ? `${icon} codepal` : `${icon} codepal: ${label}`;
    const suffix = off ? "\nInline completions are off." : "";
    return { label, severity, text, tooltip: `${tooltip}${suffix}\nClick for codepal's menu.` };
}

/** Map the engine's state name (and the server process's state) to what the user sees. */
export function statusView(server: ServerState, engine: EngineStatus | undefined, completionsOn = true): StatusView {
    const off = !completionsOn;
    switch (server) {
        case "failed":
            return view("crashed", "error", "The codepal language server stopped after repeated crashes.", off);
        case "stopped":
            return view("down", "warning", "The codepal language server is not running.", off);
        case "starting":
        case "restarting":
            return view("starting", "busy", `The codepal language server is ${server}…`, off);
        case "running":
            break;
    }
    if (engine === undefined) {
        return view("starting", "busy", "Waiting for the model server's state…", off);
    }
    const model = engine.model ? ` (${engine.model})` : "";
    const notice = engine.notice ? `\n${engine.notice}` : "";
    const detail = (engine.message ? `\n${engine.message}` : "") + notice;
    switch (engine.state) {
        case "ready": {
            const ready = view("ready", "ok", `Model server ready${model}.${detail}`, off);
            return notice ? { ...ready, text: `${ready.text} (demo model)` } : ready;
        }
        case "starting":
            return view("starting", "busy", `Model server starting${model}…${detail}`, off);
        case "degraded":
            return view("degraded", "warning", `Model server degraded${model}: answers may fail or be slow.${detail}`, off);
        case "crashed":
            return view("crashed", "error", `Model server crashed${model}.${detail}`, off);
        case "stopped":
            return view("down", "warning", `No model server is running. Use "codepal: Start model server".${detail}`, off);
        default:
            return view("down", "warning", `Model server state "${engine.state}".${detail}`, off);
    }
}

/** Accept a notification's params only if it looks like an engine status. */
export function parseEngineStatus(params: unknown): EngineStatus | undefined {
    if (typeof params !== "object" || params === null) {
        return undefined;
    }
    const state = (params as { state?: unknown }).state;
    return typeof state === "string" ? (params as EngineStatus) : undefined;
}
