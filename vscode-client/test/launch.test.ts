import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { expandPath, LaunchError, type LaunchProbes, resolveLaunch, serveCommand } from "../src/launch";

function probes(interpreter: string | undefined, withCodepal: string[], onPath: string | undefined): LaunchProbes {
    return {
        pythonExtensionInterpreter: () => Promise.resolve(interpreter),
        hasCodepal: (python) => Promise.resolve(withCodepal.includes(python)),
        which: (name) => Promise.resolve(name === "codepal" ? onPath : undefined),
    };
}

describe("resolveLaunch", () => {
    it("uses codepal.pythonPath first, without probing", async () => {
        const plan = await resolveLaunch("~/venv/bin/python", probes("/py", ["/py"], "/bin/codepal"), "/ws", "/home/u");
        assert.deepEqual(plan, {
            command: "/home/u/venv/bin/python",
            args: ["-P", "-m", "codepal", "lsp"],
            source: "setting",
            python: "/home/u/venv/bin/python",
        });
    });

    it("then the Python extension's interpreter if it has codepal", async () => {
        const plan = await resolveLaunch(undefined, probes("/py", ["/py"], "/bin/codepal"), "/ws", "/h");
        assert.equal(plan.source, "python-extension");
        assert.equal(plan.command, "/py");
    });

    it("then codepal on PATH", async () => {
        const plan = await resolveLaunch("  ", probes("/py", [], "/bin/codepal"), "/ws", "/h");
        assert.deepEqual(plan, { command: "/bin/codepal", args: ["lsp"], source: "path" });
        assert.deepEqual(serveCommand(plan), { command: "/bin/codepal", args: ["serve"] });
    });

    it("fails with what to do when nothing has codepal", async () => {
        await assert.rejects(resolveLaunch(undefined, probes("/py", [], undefined), "/ws", "/h"), (error: Error) => {
            assert.ok(error instanceof LaunchError);
            assert.match(error.message, /codepal\.pythonPath/);
            assert.match(error.message, /\/py has no codepal/);
            return true;
        });
    });

    it("serves with the same Python", () => {
        assert.deepEqual(serveCommand({ command: "/py", args: ["-m", "codepal", "lsp"], source: "setting", python: "/py" }), {
            command: "/py",
            args: ["-P", "-m", "codepal", "serve"],
        });
    });
});

describe("expandPath", () => {
    it("expands ~ and ${workspaceFolder} and resolves relative paths", () => {
        assert.equal(expandPath("~", "/ws", "/h"), "/h");
        assert.equal(expandPath("${workspaceFolder}/.venv/bin/python", "/ws", "/h"), "/ws/.venv/bin/python");
        assert.equal(expandPath(".venv/bin/python", "/ws", "/h"), "/ws/.venv/bin/python");
        assert.equal(expandPath("python3", "/ws", "/h"), "python3");
        assert.equal(expandPath(".venv/bin/python", undefined, "/h"), ".venv/bin/python");
    });
});
