// Explain and Fix against the stubbed vscode API and a fake language client.
import "./vscode-stub";

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { ExplainPreviews } from "../src/explain";
import { fixBug } from "../src/fix";
import type { CodeTarget, CommandClient } from "../src/target";
import { executed, progresses, shown } from "./vscode-stub";

interface Pending {
    params: { command: string; arguments: unknown[]; workDoneToken: string };
    resolve(value: unknown): void;
    reject(error: Error): void;
}

/** Records requests; the test answers them and sends `$/progress` for their token. */
class FakeClient {
    readonly progress = new Map<string, (value: unknown) => void>();
    readonly pending: Pending[] = [];
    onProgress(_type: unknown, token: string, handler: (value: unknown) => void) {
        this.progress.set(token, handler);
        return { dispose: () => this.progress.delete(token) };
    }
    sendRequest(_type: unknown, params: Pending["params"], token?: { onCancellationRequested(f: () => void): unknown }) {
        return new Promise((resolve, reject) => {
            this.pending.push({ params, resolve, reject });
            token?.onCancellationRequested(() => reject(new Error("Request cancelled")));
        });
    }
    report(message: string, kind = "report"): void {
        const token = this.pending.at(-1)?.params.workDoneToken ?? "";
        this.progress.get(token)?.({ kind, message });
    }
    get asClient(): CommandClient {
        return this as unknown as CommandClient;
    }
}

const target: CodeTarget = {
    uri: "file:///ws/main.py",
    range: { start: { line: 3, character: 0 }, end: { line: 8, character: 0 } },
};

async function until(predicate: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !predicate(); i++) {
        await sleep(10);
    }
    assert.ok(predicate(), "condition never became true");
}

describe("Explain", () => {
    beforeEach(() => {
        executed.length = 0;
        progresses.length = 0;
        shown.length = 0;
    });

    it("opens a preview beside the editor that streams progress, then shows the answer", async () => {
        const previews = new ExplainPreviews();
        const changes: string[] = [];
        previews.onDidChange((uri) => changes.push(uri.toString()));
        const client = new FakeClient();
        const done = previews.explain(client.asClient, target);
        await until(() => client.pending.length === 1);

        const preview = executed.find((e) => e.command === "markdown.showPreviewToSide");
        assert.ok(preview, "no markdown preview opened");
        const uri = preview.args[0] as { scheme: string; toString(): string };
        assert.equal(uri.scheme, "codepal-explain");
        const sent = client.pending[0]?.params;
        assert.equal(sent?.command, "codepal.explain");
        assert.deepEqual(sent?.arguments, [target]);
        assert.match(previews.provideTextDocumentContent(uri as never), /_Thinking…_/);
        assert.match(previews.provideTextDocumentContent(uri as never), /main\.py, lines 4–9/);

        client.report("thinking… 3 tokens · The user");
        client.report("thinking… 7 tokens · The user wants an explanation.");
        await until(() => changes.length > 0);
        assert.match(previews.provideTextDocumentContent(uri as never), /_thinking… 7 tokens · The user wants an explanation\._/);
        assert.equal(progresses[0]?.reports.at(-1), "main.py, lines 4–9: thinking… 7 tokens · The user wants an explanation.");

        client.pending[0]?.resolve({ markdown: "## What it does\nAdds numbers.", thinkingTokens: 7, shownIn: "client" });
        assert.equal(await done, "## What it does\nAdds numbers.");
        const final = previews.provideTextDocumentContent(uri as never);
        assert.match(final, /## What it does/);
        assert.doesNotMatch(final, /Thinking/);
        assert.equal(client.progress.size, 0, "the progress listener was not disposed");
    });

    it("cancels from the progress notification and says so in the preview", async () => {
        const previews = new ExplainPreviews();
        const client = new FakeClient();
        const done = previews.explain(client.asClient, target);
        await until(() => client.pending.length === 1);
        progresses[0]?.cancel.cancel();
        assert.equal(await done, undefined);
        const uri = executed.find((e) => e.command === "markdown.showPreviewToSide")?.args[0];
        assert.match(previews.provideTextDocumentContent(uri as never), /_Cancelled\._/);
        assert.deepEqual(shown, [], "a cancel is not an error");
    });

    it("shows a server error in the preview and as a message", async () => {
        const previews = new ExplainPreviews();
        const client = new FakeClient();
        const done = previews.explain(client.asClient, target);
        await until(() => client.pending.length === 1);
        client.pending[0]?.reject(Object.assign(new Error("codepal: the model server is not ready (stopped)"), { code: -32002 }));
        await done;
        const uri = executed.find((e) => e.command === "markdown.showPreviewToSide")?.args[0];
        assert.match(previews.provideTextDocumentContent(uri as never), /Explain failed:\*\* the model server is not ready/);
        assert.equal(shown[0]?.kind, "error");
        assert.equal(shown[0]?.text, "codepal: Explain failed: the model server is not ready (stopped)");
    });
});

describe("Fix", () => {
    beforeEach(() => {
        progresses.length = 0;
        shown.length = 0;
    });

    it("sends codepal.fix with the target and reports the applied edit as undoable", async () => {
        const client = new FakeClient();
        const done = fixBug(client.asClient, target);
        await until(() => client.pending.length === 1);
        assert.equal(client.pending[0]?.params.command, "codepal.fix");
        assert.deepEqual(client.pending[0]?.params.arguments, [target]);
        assert.equal(progresses[0]?.title, "codepal: Fix this bug");
        client.report("thinking");
        client.pending[0]?.resolve({ applied: true, message: "fixed the off-by-one" });
        await done;
        assert.equal(shown[0]?.kind, "info");
        assert.match(shown[0]?.text ?? "", /fixed the off-by-one \(undo with Ctrl\+Z\)/);
    });

    it("warns when no edit was applied", async () => {
        const client = new FakeClient();
        const done = fixBug(client.asClient, target);
        await until(() => client.pending.length === 1);
        client.pending[0]?.resolve({ applied: false, reason: "the document changed meanwhile" });
        await done;
        assert.equal(shown[0]?.kind, "warning");
        assert.match(shown[0]?.text ?? "", /no fix applied: the document changed meanwhile/);
    });

    it("is silent when cancelled", async () => {
        const client = new FakeClient();
        const done = fixBug(client.asClient, target);
        await until(() => client.pending.length === 1);
        progresses[0]?.cancel.cancel();
        assert.equal(await done, undefined);
        assert.deepEqual(shown, []);
    });
});
