import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

import { type ConfigurationLike, completionsOn, serverSettingKeys, splitKey, toServerOptions } from "../src/settings";

const packageJson: unknown = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));

/** A configuration where `explicit` holds user-set values and `defaults` the schema's defaults. */
function config(explicit: Record<string, unknown>, defaults: Record<string, unknown> = {}): ConfigurationLike {
    return {
        get: <T>(key: string) => (key in explicit ? explicit[key] : defaults[key]) as T | undefined,
        inspect: <T>(key: string) =>
            key in explicit || key in defaults ? { globalValue: explicit[key] as T | undefined } : undefined,
    };
}

describe("settings → server options", () => {
    const keys = serverSettingKeys(packageJson);

    it("knows every generated setting and none of the extension's own", () => {
        assert.ok(keys.includes("codepal.completion.enabled"));
        assert.ok(keys.includes("codepal.completion.disabled_languages"));
        assert.ok(keys.includes("codepal.assist.thinking_budget_explain"));
        assert.ok(keys.includes("codepal.engine.url"));
        assert.ok(!keys.includes("codepal.pythonPath"));
        assert.ok(!keys.includes("codepal.trace.server"));
        assert.ok(keys.every((k) => splitKey(k) !== undefined));
    });

    it("nests explicit values by section and leaves defaults to the server", () => {
        const options = toServerOptions(
            config(
                {
                    "codepal.completion.debounce_ms": 120,
                    "codepal.completion.disabled_languages": ["markdown"],
                    "codepal.engine.url": "http://127.0.0.1:8000",
                    "codepal.assist.thinking_budget_explain": 0,
                    "codepal.pythonPath": "/venv/bin/python",
                },
                { "codepal.completion.enabled": true, "codepal.engine.autostart": false },
            ),
            keys,
        );
        assert.deepEqual(options, {
            completion: { debounce_ms: 120, disabled_languages: ["markdown"] },
            engine: { url: "http://127.0.0.1:8000" },
            assist: { thinking_budget_explain: 0 },
        });
    });

    it("sends an explicit false and null as set", () => {
        const options = toServerOptions(config({ "codepal.completion.enabled": false, "codepal.engine.url": null }), keys);
        assert.deepEqual(options, { completion: { enabled: false }, engine: { url: null } });
    });

    it("is empty when nothing is set", () => {
        assert.deepEqual(toServerOptions(config({}, { "codepal.completion.enabled": true }), keys), {});
    });

    it("splits only codepal.<section>.<name>", () => {
        assert.deepEqual(splitKey("codepal.engine.autostart"), ["engine", "autostart"]);
        assert.equal(splitKey("codepal.pythonPath"), undefined);
        assert.equal(splitKey("codepal.other.x"), undefined);
        assert.equal(splitKey("editor.engine.x"), undefined);
    });
});

describe("completionsOn", () => {
    it("follows the enabled switch and the per-language list", () => {
        const c = config({ "codepal.completion.disabled_languages": ["markdown"] }, { "codepal.completion.enabled": true });
        assert.equal(completionsOn(c, "python"), true);
        assert.equal(completionsOn(c, "markdown"), false);
        assert.equal(completionsOn(config({ "codepal.completion.enabled": false }), "python"), false);
    });
});
