import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { StderrLevels } from "../src/serverLog";

describe("StderrLevels", () => {
    it("reads codepal's logging format and carries the level to continuation lines", () => {
        const levels = new StderrLevels();
        assert.deepEqual(levels.classify("2026-01-02 03:04:05,678 INFO lsp.server: started"), ["info", "lsp.server: started"]);
        assert.deepEqual(levels.classify("2026-01-02 03:04:05,678 WARNING codepal: slow"), ["warn", "codepal: slow"]);
        assert.deepEqual(levels.classify("2026-01-02 03:04:05,678 ERROR x: boom"), ["error", "x: boom"]);
        assert.deepEqual(levels.classify("  File \"x.py\", line 1"), ["error", "  File \"x.py\", line 1"]);
        assert.deepEqual(levels.classify("DEBUG: detail"), ["debug", "detail"]);
    });
    it("treats a bare traceback as an error", () => {
        const levels = new StderrLevels();
        assert.equal(levels.classify("plain line")[0], "info");
        assert.equal(levels.classify("Traceback (most recent call last):")[0], "error");
        assert.equal(levels.classify("ModuleNotFoundError: No module named 'codepal'")[0], "error");
    });
});
