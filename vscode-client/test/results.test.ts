import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
    engineNotReady,
    errorText,
    type ExplainState,
    explainMarkdown,
    fixOutcome,
    foldProgress,
    resultMarkdown,
} from "../src/results";

describe("foldProgress", () => {
    const fresh = (): ExplainState => ({ title: "t", status: "", partial: "" });
    it("keeps the latest message (LSP: a report replaces the previous message)", () => {
        const state = fresh();
        foldProgress(state, { kind: "begin", title: "codepal: Explain", message: "waiting for the model…" });
        foldProgress(state, { kind: "report", message: "thinking… 5 tokens · The user" });
        foldProgress(state, { kind: "report", message: "thinking… 9 tokens · The user wants" });
        assert.equal(state.status, "thinking… 9 tokens · The user wants");
        foldProgress(state, { kind: "report" });
        assert.equal(state.status, "thinking… 9 tokens · The user wants");
        foldProgress(state, { kind: "end", message: "done (9 thinking tokens, 3 answer tokens)" });
        assert.equal(state.status, "thinking… 9 tokens · The user wants");
    });
    it("takes the answer so far when a report carries one", () => {
        const state = fresh();
        foldProgress(state, { kind: "report", message: "writing the answer… 3 tokens", answer: "It adds" });
        assert.equal(state.partial, "It adds");
        foldProgress(state, null);
        foldProgress(state, "text");
        assert.equal(state.partial, "It adds");
    });
});

describe("errorText and engineNotReady", () => {
    it("drops the server's prefix and recognises a missing model server", () => {
        const error = Object.assign(new Error("codepal: the model server is not ready (stopped: none)"), { code: -32002 });
        assert.equal(errorText(error), "the model server is not ready (stopped: none)");
        assert.equal(engineNotReady(error), true);
        assert.equal(engineNotReady(Object.assign(new Error("codepal: timeout"), { code: -32803 })), false);
        assert.equal(errorText("plain"), "plain");
    });
});

describe("resultMarkdown", () => {
    it("reads a string or a markdown field", () => {
        assert.equal(resultMarkdown("**x**"), "**x**");
        assert.equal(resultMarkdown({ markdown: "m", thinking: "t" }), "m");
        assert.equal(resultMarkdown({ value: "v" }), "v");
        assert.equal(resultMarkdown({ other: 1 }), undefined);
        assert.equal(resultMarkdown(null), undefined);
    });
});

describe("explainMarkdown", () => {
    it("shows the thinking status and any partial answer while streaming, then the answer alone", () => {
        const streaming = explainMarkdown({ title: "a.py, line 3", status: "thinking… 4 tokens · hm", partial: "" });
        assert.match(streaming, /# codepal: Explain/);
        assert.match(streaming, /\*a\.py, line 3\*/);
        assert.match(streaming, /_thinking… 4 tokens · hm_/);
        assert.match(explainMarkdown({ title: "t", status: "", partial: "" }), /_Thinking…_/);
        assert.match(explainMarkdown({ title: "t", status: "writing", partial: "It adds" }), /_writing_\n\nIt adds/);
        const done = explainMarkdown({ title: "t", status: "thinking", partial: "It", result: "## Answer" });
        assert.match(done, /## Answer/);
        assert.doesNotMatch(done, /thinking/);
    });
    it("shows errors and cancellation", () => {
        assert.match(explainMarkdown({ title: "t", status: "", partial: "", error: "timeout" }), /\*\*Explain failed:\*\* timeout/);
        assert.match(explainMarkdown({ title: "t", status: "", partial: "", cancelled: true }), /_Cancelled\._/);
        assert.match(explainMarkdown({ title: "t", status: "", partial: "", result: " " }), /no answer/);
    });
});

describe("fixOutcome", () => {
    it("reads applied and a message", () => {
        assert.deepEqual(fixOutcome({ applied: true, message: "fixed the loop" }), { applied: true, message: "fixed the loop" });
        assert.deepEqual(fixOutcome({ applied: false, reason: "the answer did not parse" }), {
            applied: false,
            message: "the answer did not parse",
        });
        assert.deepEqual(fixOutcome("done"), { applied: undefined, message: "done" });
        assert.deepEqual(fixOutcome(null), { applied: undefined, message: undefined });
    });
});
