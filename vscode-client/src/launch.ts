// How to start `codepal lsp`: codepal.pythonPath, else the Python extension's interpreter (if codepal is
// installed there), else `codepal` on PATH. Pure apart from the injected probes.

import * as path from "node:path";

export interface LaunchPlan {
    command: string;
    args: string[]; // `--stdio` is appended by vscode-languageclient
    source: "setting" | "python-extension" | "path";
    /** How to run another codepal subcommand (`serve`) the same way. */
    python?: string;
}

export interface LaunchProbes {
    /** The Python extension's interpreter for this workspace, if that extension is installed. */
    pythonExtensionInterpreter(): Promise<string | undefined>;
    /** Whether `python -c "import codepal"` succeeds. */
    hasCodepal(python: string): Promise<boolean>;
    /** The absolute path of an executable on PATH, if any. */
    which(name: string): Promise<string | undefined>;
}

export class LaunchError extends Error {}

/** Expand `~` and `${workspaceFolder}`; resolve a relative path against the workspace folder. */
export function expandPath(value: string, workspaceFolder: string | undefined, home: string): string {
    let expanded = value.trim();
    if (expanded === "~" || expanded.startsWith("~/")) {
        expanded = path.join(home, expanded.slice(1));
    }
    if (workspaceFolder !== undefined) {
        expanded = expanded.split("${workspaceFolder}").join(workspaceFolder);
        if (!path.isAbsolute(expanded) && expanded.includes("/")) {
            expanded = path.resolve(workspaceFolder, expanded);
        }
    }
    return expanded;
}

export async function resolveLaunch(
    pythonPath: string | undefined,
    probes: LaunchProbes,
    workspaceFolder: string | undefined,
    home: string,
): Promise<LaunchPlan> {
    if (pythonPath !== undefined && pythonPath.trim() !== "") {
        const python = expandPath(pythonPath, workspaceFolder, home);
        return { command: python, args: ["-P", "-m", "codepal", "lsp"], source: "setting", python };
    }
    const interpreter = await probes.pythonExtensionInterpreter();
    if (interpreter !== undefined && (await probes.hasCodepal(interpreter))) {
        return { command: interpreter, args: ["-P", "-m", "codepal", "lsp"], source: "python-extension", python: interpreter };
    }
    const onPath = await probes.which("codepal");
    if (onPath !== undefined) {
        return { command: onPath, args: ["lsp"], source: "path" };
    }
    const where = interpreter !== undefined ? ` (the Python extension's interpreter ${interpreter} has no codepal either)` : "";
    throw new LaunchError(
        `codepal: cannot find codepal: "codepal.pythonPath" is not set and there is no \`codepal\` on PATH${where}. ` +
            `Install it (pip install codepal) or set "codepal.pythonPath" to the Python that has it.`,
    );
}

/** `codepal serve` with the same installation the language server uses. */
export function serveCommand(plan: LaunchPlan): { command: string; args: string[] } {
    return plan.python !== undefined
        ? { command: plan.python, args: ["-P", "-m", "codepal", "serve"] }
        : { command: plan.command, args: ["serve"] };
}
