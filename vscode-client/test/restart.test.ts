import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { stat } from "node:fs";
import { describe, it } from "node:test";

import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";

import { connectionErrorAction, crashMessage, LineTail, RestartPolicy } from "../src/restart";

function errno(code: string): Error {
    return Object.assign(new Error(`write ${code}`), { code });
}

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

describe("connectionErrorAction", () => {
    it("waits for the close when the pipe to the server is broken, with or without a count", () => {
        for (const code of ["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]) {
            assert.equal(connectionErrorAction(errno(code), undefined), "continue", code);
            assert.equal(connectionErrorAction(errno(code), 7), "continue", code);
        }
    });

    it("tolerates a few other errors in a row, then shuts down; a read error shuts down at once", () => {
        const garbage = new Error("Header must provide a Content-Length property.");
        assert.deepEqual(
            [1, 2, 3, 4].map((count) => connectionErrorAction(garbage, count)),
            ["continue", "continue", "continue", "shutdown"],
        );
        assert.equal(connectionErrorAction(garbage, undefined), "shutdown");
    });

    it("a write to a server that died after it was decided errs, without a count, before the close", async () => {
        // vscode-languageclient's own transport and a real server process. The client reacted to an event
        // (here: a configuration change, which sends `$/setTrace`) in the event loop's poll phase; the write
        // itself runs later in that turn (its semaphore uses setImmediate). The server dies in between, as a
        // loaded machine makes likely: the write meets a broken pipe before the death has been read.
        const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["pipe", "pipe", "ignore"] });
        const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
        const seen: string[] = [];
        const errors: [Error, number | undefined][] = [];
        connection.onError(([error, , count]) => {
            seen.push(`error ${count}`);
            errors.push([error, count]);
        });
        const closed = new Promise<void>((resolve) => connection.onClose(() => resolve()));
        connection.listen();
        await new Promise<void>((resolve) => child.once("spawn", () => resolve()));
        await new Promise<void>((resolve) => stat(".", () => resolve())); // now in a poll-phase callback
        connection.sendNotification("$/setTrace", { value: "off" }).catch(() => undefined);
        child.kill("SIGKILL");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); // the kill takes effect; nothing is read
        await closed;
        seen.push("close");
        connection.dispose();
        assert.ok(seen.indexOf("error undefined") >= 0 && seen.indexOf("error undefined") < seen.indexOf("close"), seen.join(", "));
        assert.ok(errors.some(([error]) => (error as NodeJS.ErrnoException).code === "EPIPE"), seen.join(", "));
        // vscode-languageclient's default rule (and ours before) shuts the client down on the first of these,
        // and the close that follows no longer restarts it; ours waits for that close.
        for (const [error, count] of errors) {
            assert.equal(connectionErrorAction(error, count), "continue", `${error.message} (count ${count})`);
        }
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
