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
