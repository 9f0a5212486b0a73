// Reading the server's answers: the Explain preview's markdown as it streams, and Fix's outcome. Pure, unit-tested.

export interface ExplainState {
    title: string; // e.g. "main.py, lines 3–9"
    status: string; // the latest `$/progress` message ("thinking… 42 tokens · <its last line>")
    partial: string; // the answer so far, when the server's reports carry it (`answer`)
    result?: string; // the command's final markdown
    error?: string;
    cancelled?: boolean;
}

/**
 * Fold one `$/progress` value into the preview's state. Per LSP, a report's `message` replaces the
 * previous one (codepal sends a summary of the model's thinking a few times a second); a string
 * `answer` field, if the server adds one, is the answer written so far.
 */
export function foldProgress(state: ExplainState, value: unknown): void {
    if (typeof value !== "object" || value === null) {
        return;
    }
    const { kind, message, answer } = value as { kind?: unknown; message?: unknown; answer?: unknown };
    if (kind === "end") {
        return;
    }
    if (typeof message === "string" && message !== "") {
        state.status = message;
    }
    if (typeof answer === "string") {
        state.partial = answer;
    }
}

/** An error's text for the user, without the "codepal: " the server already puts in front. */
export function errorText(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return text.replace(/^codepal:\s*/, "");
}

/** Whether a request failed because no model server is ready (then "Start model server" helps). */
export function engineNotReady(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return code === -32002 || /model server is not ready|backend_unavailable/.test(errorText(error));
}

/** The final answer from `workspace/executeCommand`: markdown as a string or inside an object. */
export function resultMarkdown(result: unknown): string | undefined {
    if (typeof result === "string") {
        return result;
    }
    if (typeof result === "object" && result !== null) {
        for (const key of ["markdown", "value", "contents", "answer", "text"]) {
            const value = (result as Record<string, unknown>)[key];
            if (typeof value === "string") {
                return value;
            }
        }
    }
    return undefined;
}

export function explainMarkdown(state: ExplainState): string {
    const parts = [`# codepal: Explain`, `*${state.title}*`, ""];
    if (state.result !== undefined) {
        parts.push(state.result.trim() === "" ? "_The model gave no answer._" : state.result);
    } else if (state.error !== undefined) {
        parts.push(`**Explain failed:** ${state.error}`);
    } else if (state.cancelled) {
        parts.push("_Cancelled._");
    } else {
        parts.push(`_${state.status || "Thinking…"}_`);
        if (state.partial !== "") {
            parts.push("", state.partial);
        }
    }
    return `${parts.join("\n")}\n`;
}

export interface FixOutcome {
    applied: boolean | undefined; // undefined: the server did not say
    message: string | undefined;
}

/** Read `codepal.fix`'s result: `{applied, message}` (or `reason`/`error`), a string, or nothing. */
export function fixOutcome(result: unknown): FixOutcome {
    if (typeof result === "string") {
        return { applied: undefined, message: result };
    }
    if (typeof result !== "object" || result === null) {
        return { applied: undefined, message: undefined };
    }
    const record = result as Record<string, unknown>;
    const applied = typeof record.applied === "boolean" ? record.applied : undefined;
    let message: string | undefined;
    for (const key of ["message", "reason", "error", "summary"]) {
        if (typeof record[key] === "string" && record[key] !== "") {
            message = record[key];
            break;
        }
    }
    return { applied, message };
}
