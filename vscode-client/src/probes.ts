// The launch probes against the real machine and VS Code.

import { execFile } from "node:child_process";
import { constants as fsConstants, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";

import type { LaunchProbes } from "./launch";

interface PythonExtensionApi {
    environments?: {
        getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
        resolveEnvironment?(env: { path: string }): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
    };
}

async function pythonExtensionInterpreter(): Promise<string | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
    if (extension === undefined) {
        return undefined;
    }
    try {
        const api = extension.isActive ? extension.exports : await extension.activate();
        const environments = api?.environments;
        if (environments === undefined) {
            return undefined;
        }
        const active = environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
        if (active === undefined) {
            return undefined;
        }
        const resolved = await environments.resolveEnvironment?.(active);
        return resolved?.executable?.uri?.fsPath ?? active.path;
    } catch {
        return undefined;
    }
}

function hasCodepal(python: string): Promise<boolean> {
    // -P and a neutral folder: nothing from the workspace is imported (a `codepal/` folder there must
    // not run). The server is started with -P too.
    const cwd = os.tmpdir();
    return new Promise((resolve) => {
        execFile(python, ["-P", "-c", "import codepal"], { timeout: 15000, cwd }, (error) => resolve(error === null));
    });
}

async function which(name: string): Promise<string | undefined> {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir === "") {
            continue;
        }
        const candidate = path.join(dir, name);
        try {
            await fs.access(candidate, fsConstants.X_OK);
            return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

export const machineProbes: LaunchProbes = { pythonExtensionInterpreter, hasCodepal, which };
