// When the language server dies: restart it a few times, then stop and tell the user what to do.
// Pure: the clock is injected, so the policy is unit-tested without timers.

export interface RestartDecision {
    restart: boolean;
    crashes: number; // crashes counted within the window, this one included
}

export class RestartPolicy {
    private crashes: number[] = [];

    constructor(
        readonly maxRestarts = 3,
        readonly windowMs = 3 * 60 * 1000,
        private readonly now: () => number = Date.now,
    ) {}

    /** Record a crash; restart while fewer than `maxRestarts` restarts happened within the window. */
    recordCrash(): RestartDecision {
        const t = this.now();
        this.crashes = this.crashes.filter((at) => t - at < this.windowMs);
        this.crashes.push(t);
        return { restart: this.crashes.length <= this.maxRestarts, crashes: this.crashes.length };
    }

    /** A restart the user asked for starts counting afresh. */
    reset(): void {
        this.crashes = [];
    }
}

/** Error codes of a write to a server whose end of the pipe is gone: it has died (or is dying). */
const BROKEN_PIPE = new Set(["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]);

/**
 * What to do about an error on the connection to the server (vscode-languageclient's errorHandler.error).
 *
 * A write to a server that has just died (a notification such as `$/setTrace`, sent on any configuration
 * change, or an answer to its last request) fails with EPIPE before the client has read the end of the
 * server's output. The write stream's error comes without a count, which vscode-languageclient's own rule
 * (and ours before) answers with "shut down": the client then stops itself, the close that follows counts
 * as a stop it asked for, `closed()` is never called and the server is never restarted (the status bar
 * just says "down"). A broken pipe therefore continues: the close follows and the restart policy decides.
 * Other errors: up to 3 in a row continue, as vscode-languageclient does; beyond that, or a read error
 * (no count: the server's output is not the protocol), the connection is shut down.
 */
export function connectionErrorAction(error: Error, count: number | undefined): "continue" | "shutdown" {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && BROKEN_PIPE.has(code)) {
        return "continue";
    }
    return count !== undefined && count <= 3 ? "continue" : "shutdown";
}

/** The last lines written to the server's log (its stderr included), for error messages. */
export class LineTail {
    private lines: string[] = [];
    private partial = "";

    constructor(readonly size = 20) {}

    append(text: string): void {
        const parts = (this.partial + text).split(/\r\n|\r|\n/);
        this.partial = parts.pop() ?? "";
        for (const line of parts) {
            this.push(line);
        }
    }

    appendLine(text: string): void {
        this.append(`${text}\n`);
    }

    private push(line: string): void {
        if (line.trim() === "") {
            return;
        }
        this.lines.push(line);
        if (this.lines.length > this.size) {
            this.lines.splice(0, this.lines.length - this.size);
        }
    }

    /** The last `n` non-empty lines, the unterminated one included. */
    last(n = 3): string[] {
        const all = this.partial.trim() === "" ? this.lines : [...this.lines, this.partial];
        return all.slice(-n);
    }

    clear(): void {
        this.lines = [];
        this.partial = "";
    }
}

const LINE_CHARS = 160; // a log line can hold a whole InitializeParams dump

/** The message shown when the server will not be restarted: what happened, the last log lines, what to do. */
export function crashMessage(crashes: number, windowMs: number, tail: string[], command: string): string {
    const minutes = Math.round(windowMs / 60000);
    const cut = tail.map((line) => (line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line));
    const last = cut.length > 0 ? ` Last output: ${cut.join(" ⏎ ")}` : "";
    return (
        `codepal: the language server (${command}) stopped ${crashes} times in ${minutes} min and will not ` +
        `be restarted.${last} Check that codepal is installed for that Python (pip install codepal) or set ` +
        `"codepal.pythonPath", then restart the server.`
    );
}
