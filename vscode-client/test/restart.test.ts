import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { crashMessage, LineTail, RestartPolicy } from "../src/restart";

describe("RestartPolicy", () => {
    it("restarts a few times, then gives up", () => {
        let now = 0;
        const policy = new RestartPolicy(3, 60_000, () => now);
        const decisions = [1, 2, 3, 4].map(() => {
            now += 1000;
            return policy.recordCrash();
        });
        assert.deepEqual(
            decisions.map((d) => d.restart),
            [true, true, true, false],
        );
        assert.equal(decisions[3]?.crashes, 4);
    });

    it("forgets crashes older than the window", () => {
        let now = 0;
        const policy = new RestartPolicy(2, 60_000, () => now);
        policy.recordCrash();
        policy.recordCrash();
        now = 61_000;
        assert.deepEqual(policy.recordCrash(), { restart: true, crashes: 1 });
    });

    it("starts afresh after a restart the user asked for", () => {
        const policy = new RestartPolicy(1, 60_000, () => 0);
        policy.recordCrash();
        assert.equal(policy.recordCrash().restart, false);
        policy.reset();
        assert.equal(policy.recordCrash().restart, true);
    });

    it("never restarts with a budget of zero", () => {
        assert.equal(new RestartPolicy(0).recordCrash().restart, false);
    });
});

describe("LineTail", () => {
    it("keeps the last non-empty lines across chunk boundaries", () => {
        const tail = new LineTail(3);
        tail.append("Traceback (most rec");
        tail.append("ent call last):\n  File x\r\n\nModuleNotFoundError: No module");
        tail.append(" named 'codepal'\n");
        tail.appendLine("exit 1");
        assert.deepEqual(tail.last(3), ["  File x", "ModuleNotFoundError: No module named 'codepal'", "exit 1"]);
        assert.deepEqual(tail.last(10), ["  File x", "ModuleNotFoundError: No module named 'codepal'", "exit 1"]);
    });

    it("includes an unterminated last line", () => {
        const tail = new LineTail();
        tail.append("a\nb");
        assert.deepEqual(tail.last(2), ["a", "b"]);
        tail.clear();
        assert.deepEqual(tail.last(), []);
    });
});

describe("crashMessage", () => {
    it("says what happened, shows the last output and what to do", () => {
        const message = crashMessage(4, 180_000, ["No module named 'codepal'"], "/usr/bin/python3");
        assert.match(message, /stopped 4 times in 3 min/);
        assert.match(message, /No module named 'codepal'/);
        assert.match(message, /codepal\.pythonPath/);
        assert.match(message, /\/usr\/bin\/python3/);
    });

    it("cuts long log lines", () => {
        const message = crashMessage(4, 180_000, ["x".repeat(5000)], "codepal");
        assert.ok(message.length < 600, `${message.length} characters`);
        assert.match(message, /x…/);
    });
});
