// The status bar controller against the stubbed vscode API.
import "./vscode-stub";

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import type { ServerManager } from "../src/client";
import { StatusBar } from "../src/statusBar";
import type { EngineStatus, ServerState } from "../src/status";
import { EventEmitter, settings, state, statusBarItems } from "./vscode-stub";

class FakeManager {
    state: ServerState = "starting";
    engine: EngineStatus | undefined;
    readonly stateChanged = new EventEmitter<ServerState>();
    readonly engineChanged = new EventEmitter<EngineStatus | undefined>();
    onDidChangeState = this.stateChanged.event;
    onDidChangeEngine = this.engineChanged.event;
    set(server: ServerState, engine?: EngineStatus): void {
        this.state = server;
        this.engine = engine;
        this.engineChanged.fire(engine);
    }
}

describe("StatusBar", () => {
    beforeEach(() => {
        settings.clear();
        statusBarItems.length = 0;
        state.activeLanguage = "python";
    });

    function make(): [FakeManager, (typeof statusBarItems)[number]] {
        const manager = new FakeManager();
        new StatusBar(manager as unknown as ServerManager);
        const item = statusBarItems[0];
        assert.ok(item);
        return [manager, item];
    }

    it("shows starting at once, then follows codepal/status", () => {
        const [manager, item] = make();
        assert.equal(item.visible, true);
        assert.equal(item.command, "codepal.showMenu");
        assert.equal(item.accessibilityInformation?.label, "codepal: starting");
        manager.set("running", { state: "ready", model: "codepal-test" });
        assert.equal(item.text, "$(check) codepal");
        assert.equal(item.accessibilityInformation?.label, "codepal: ready");
        assert.match(String(item.tooltip), /codepal-test/);
        assert.equal(item.backgroundColor, undefined);
        manager.set("running", { state: "crashed", message: "vLLM exited with code 1" });
        assert.equal(item.accessibilityInformation?.label, "codepal: crashed");
        assert.equal((item.backgroundColor as { id: string } | undefined)?.id, "statusBarItem.errorBackground");
        manager.set("failed", undefined);
        assert.equal(item.accessibilityInformation?.label, "codepal: crashed");
    });

    it("marks completions off for a disabled language and when switched off", () => {
        const [manager, item] = make();
        manager.set("running", { state: "ready" });
        settings.set("codepal.completion.disabled_languages", { value: ["python"], explicit: true });
        manager.set("running", { state: "ready" });
        assert.equal(item.text, "$(circle-slash) codepal");
        settings.clear();
        settings.set("codepal.completion.enabled", { value: true, explicit: false });
        manager.set("running", { state: "ready" });
        assert.equal(item.text, "$(check) codepal");
    });
});
