/**
 * What `cronsumer dev` checks of the project before it starts anything: a
 * readable wrangler config (else one clear error and nothing written), and
 * `cronsumer.devVars` of package.json as strings.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectError, readDevVars, readProjectApiToken } from "../../../src/dev/stack/project.js";
import { startStack } from "../../../src/dev/stack/stack.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cronsumer-project-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("startStack on a directory that is no Worker project", () => {
  it("refuses without a wrangler.toml, names it, and writes nothing", async () => {
    const started = startStack({ projectDir: dir, port: 1, bridgePort: 1 });
    await expect(started).rejects.toThrow(ProjectError);
    await expect(started).rejects.toThrow(`${join(dir, "wrangler.toml")} does not exist`);
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)("refuses an unreadable wrangler.toml, and says so", async () => {
    await writeFile(join(dir, "wrangler.toml"), 'name = "x"\n', { mode: 0o000 });
    await chmod(join(dir, "wrangler.toml"), 0o000);
    await expect(startStack({ projectDir: dir, port: 1, bridgePort: 1 })).rejects.toThrow("is not readable by this user");
    expect(await readdir(dir)).toEqual(["wrangler.toml"]);
  });

  // Root reads any file whatever its mode: a wrangler.toml that is a folder is unreadable to everyone.
  it("refuses a wrangler.toml it cannot read for any reason, naming the reason, as root too", async () => {
    await mkdir(join(dir, "wrangler.toml"));
    await expect(startStack({ projectDir: dir, port: 1, bridgePort: 1 })).rejects.toThrow(ProjectError);
    await expect(startStack({ projectDir: dir, port: 1, bridgePort: 1 })).rejects.toThrow("cannot be read (EISDIR)");
    expect(await readdir(dir)).toEqual(["wrangler.toml"]);
  });
});

describe("readDevVars", () => {
  it("reads cronsumer.devVars, and {} without package.json or without the key", async () => {
    expect(await readDevVars(dir)).toEqual({});
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "x" }));
    expect(await readDevVars(dir)).toEqual({});
    await writeFile(join(dir, "package.json"), JSON.stringify({ cronsumer: { devVars: { FN_A_BATCH_SIZE: "5" } } }));
    expect(await readDevVars(dir)).toEqual({ FN_A_BATCH_SIZE: "5" });
  });

  it("names a value that is not a string", async () => {
    await writeFile(join(dir, "package.json"), JSON.stringify({ cronsumer: { devVars: { FN_A_BATCH_SIZE: 5 } } }));
    await expect(readDevVars(dir)).rejects.toThrow("cronsumer.devVars.FN_A_BATCH_SIZE must be a string, got 5");
  });
});

describe("readProjectApiToken", () => {
  it("reads API_TOKEN from .dev.vars, unquoted, and undefined without one", async () => {
    expect(await readProjectApiToken(dir)).toBeUndefined();
    await writeFile(join(dir, ".dev.vars"), 'OTHER=1\nAPI_TOKEN="tok-123"\n');
    expect(await readProjectApiToken(dir)).toBe("tok-123");
    await writeFile(join(dir, ".dev.vars"), "API_TOKEN=\n");
    expect(await readProjectApiToken(dir)).toBeUndefined();
  });
});
