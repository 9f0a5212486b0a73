// The server's stderr → the output channel at the right level. codepal logs
// "<date> <time> LEVEL logger: message"; lines without a level (tracebacks) keep the last level seen.
// Pure, unit-tested.

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

const LEVELS: Record<string, LogLevel> = {
    DEBUG: "debug",
    INFO: "info",
    WARNING: "warn",
    WARN: "warn",
    ERROR: "error",
    CRITICAL: "error",
    FATAL: "error",
};

const PATTERN = /^(?:\S+ \S+ )?(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\b[:\s]*(.*)$/;

export class StderrLevels {
    private last: LogLevel = "info";

    /** The level of one stderr line and the text to log (the timestamp dropped: the channel adds its own). */
    classify(line: string): [LogLevel, string] {
        const match = PATTERN.exec(line);
        if (match !== null) {
            this.last = LEVELS[match[1] ?? "INFO"] ?? "info";
            return [this.last, match[2] ?? ""];
        }
        if (/^Traceback \(most recent call last\)/.test(line)) {
            this.last = "error";
        }
        return [this.last, line];
    }
}
