import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { parseEngineStatus, type ServerState, statusView } from "../src/status";

describe("statusView", () => {
    it("maps each engine state to the label the user sees", () => {
        const cases: [string, string, string][] = [
            ["ready", "ready", "ok"],
            ["starting", "starting", "busy"],
            ["stopped", "down", "warning"],
            ["degraded", "degraded", "warning"],
            ["crashed", "crashed", "error"],
            ["something-new", "down", "warning"],
        ];
        for (const [engine, label, severity] of cases) {
            const view = statusView("running", { state: engine, message: "msg" });
            assert.equal(view.label, label, engine);
            assert.equal(view.severity, severity, engine);
            assert.match(view.tooltip, /msg/);
        }
    });

    it("shows the language server's own trouble before the engine's state", () => {
        const ready = { state: "ready" };
        const cases: [ServerState, string][] = [
            ["failed", "crashed"],
            ["stopped", "down"],
            ["starting", "starting"],
            ["restarting", "starting"],
        ];
        for (const [server, label] of cases) {
            assert.equal(statusView(server, ready).label, label, server);
        }
    });

    it("waits for the first status while the server runs", () => {
        assert.equal(statusView("running", undefined).label, "starting");
    });

    it("keeps ready text short and marks completions off", () => {
        assert.equal(statusView("running", { state: "ready", model: "m" }).text, "$(check) codepal");
        const off = statusView("running", { state: "ready" }, false);
        assert.equal(off.text, "$(circle-slash) codepal");
        assert.match(off.tooltip, /completions are off/);
        assert.equal(statusView("running", { state: "crashed" }).text, "$(error) codepal: crashed");
    });

    it("says so when the demo model stands in, and how to install the real one", () => {
        const notice = "This is the 135 M demo model (SmolLM2-135M-Instruct): install DeepSeek-R1-Distill-Qwen-1.5B";
        const demo = statusView("running", { state: "ready", notice });
        assert.equal(demo.text, "$(check) codepal (demo model)");
        assert.match(demo.tooltip, /135 M demo model.*DeepSeek-R1-Distill-Qwen-1\.5B/);
        assert.match(statusView("running", { state: "starting", notice }).tooltip, /demo model/);
        assert.equal(statusView("running", { state: "ready", notice: "" }).text, "$(check) codepal");
    });
});

describe("parseEngineStatus", () => {
    it("accepts objects with a string state only", () => {
        assert.deepEqual(parseEngineStatus({ state: "ready", url: "u" }), { state: "ready", url: "u" });
        assert.equal(parseEngineStatus({ state: 3 }), undefined);
        assert.equal(parseEngineStatus(null), undefined);
        assert.equal(parseEngineStatus("ready"), undefined);
    });
});
