// VS Code settings → the language server's options. Pure: the configuration object is an interface,
// so tests pass a stub.
//
// Settings are named `codepal.<section>.<name>` after codepal's one config model (package.json's
// contributes.configuration is generated from it by scripts/vscode-settings.py). Only values the user set
// explicitly are sent: a default from package.json must never override the user's config file or
// CODEPAL_* environment, which the server merges underneath.

export const SECTIONS = ["engine", "completion", "assist"] as const;
export type Section = (typeof SECTIONS)[number];

/** Settings of the extension alone, never sent to the server. */
export const EXTENSION_ONLY = new Set(["codepal.pythonPath", "codepal.trace.server"]);

export type ServerOptions = Partial<Record<Section, Record<string, unknown>>>;

/** The slice of vscode.WorkspaceConfiguration used here. */
export interface ConfigurationLike {
    get<T>(key: string): T | undefined;
    inspect<T>(key: string):
        | {
              globalValue?: T;
              workspaceValue?: T;
              workspaceFolderValue?: T;
              globalLanguageValue?: T;
              workspaceLanguageValue?: T;
              workspaceFolderLanguageValue?: T;
          }
        | undefined;
}

/** The server-side setting keys (`codepal.completion.enabled`, …) from package.json's schema. */
export function serverSettingKeys(packageJson: unknown): string[] {
    const contributes = (packageJson as { contributes?: { configuration?: unknown } }).contributes;
    const blocks = Array.isArray(contributes?.configuration) ? contributes.configuration : [contributes?.configuration];
    const keys: string[] = [];
    for (const block of blocks) {
        const properties = (block as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
        for (const key of Object.keys(properties)) {
            if (!EXTENSION_ONLY.has(key) && splitKey(key) !== undefined) {
                keys.push(key);
            }
        }
    }
    return keys;
}

/** `codepal.completion.debounce_ms` → ["completion", "debounce_ms"]. */
export function splitKey(key: string): [Section, string] | undefined {
    const parts = key.split(".");
    const [root, section, name] = parts;
    if (parts.length !== 3 || root !== "codepal" || section === undefined || name === undefined) {
        return undefined;
    }
    return (SECTIONS as readonly string[]).includes(section) ? [section as Section, name] : undefined;
}

function isExplicit(config: ConfigurationLike, key: string): boolean {
    const seen = config.inspect<unknown>(key);
    if (seen === undefined) {
        return false;
    }
    return [
        seen.globalValue,
        seen.workspaceValue,
        seen.workspaceFolderValue,
        seen.globalLanguageValue,
        seen.workspaceLanguageValue,
        seen.workspaceFolderLanguageValue,
    ].some((v) => v !== undefined);
}

/**
 * The nested options ({engine: {...}, completion: {...}, assist: {...}}) for `initializationOptions`
 * and for didChangeConfiguration's `{"codepal": ...}`, from the settings the user set explicitly.
 * `config` is `vscode.workspace.getConfiguration()` (the root, so full keys resolve).
 */
export function toServerOptions(config: ConfigurationLike, keys: readonly string[]): ServerOptions {
    const options: ServerOptions = {};
    for (const key of keys) {
        const split = splitKey(key);
        if (split === undefined || !isExplicit(config, key)) {
            continue;
        }
        const [section, name] = split;
        const value = config.get<unknown>(key);
        if (value === undefined) {
            continue;
        }
        (options[section] ??= {})[name] = value;
    }
    return options;
}

/** Whether inline completions are on for a language, from the same settings the server reads. */
export function completionsOn(config: ConfigurationLike, languageId?: string): boolean {
    if (config.get<boolean>("codepal.completion.enabled") === false) {
        return false;
    }
    const disabled = config.get<string[]>("codepal.completion.disabled_languages") ?? [];
    return languageId === undefined || !disabled.includes(languageId);
}
