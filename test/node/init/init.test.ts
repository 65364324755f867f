/**
 * `cronsumer init` on a project directory: it refuses without a readable
 * wrangler.toml, prints its plan, changes nothing without a yes, never
 * replaces what a user wrote, and a second run finds nothing to do.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main, type InitIo } from "../../../src/cli/init.js";
import { readCrons } from "../../../src/dev/stack/cron-driver.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cronsumer-init-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(answer?: boolean): InitIo & { text(): string; asked: number } {
  const lines: string[] = [];
  const it = {
    asked: 0,
    out: (line: string) => void lines.push(line),
    err: (line: string) => void lines.push(line),
    confirm: async () => {
      it.asked += 1;
      return answer;
    },
    text: () => lines.join("\n"),
  };
  return it;
}

const TOML = 'name = "mine"\nmain = "src/index.ts"\ncompatibility_date = "2026-04-20"\n\n[vars]\nGREETING = "hi"';

async function snapshot(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (sub: string) => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else files[rel] = await readFile(join(dir, rel), "utf8");
    }
  };
  await walk("");
  return files;
}

describe("cronsumer init", () => {
  it("refuses without a wrangler.toml, says why, and changes nothing", async () => {
    const out = io(true);
    expect(await main(["--yes"], {}, out, dir)).toBe(1);
    expect(out.text()).toContain(`${join(dir, "wrangler.toml")} does not exist`);
    expect(out.text()).toContain("Nothing was changed");
    expect(await readdir(dir)).toEqual([]);
  });

  it("prints the plan and changes nothing when nobody can confirm, or the answer is no", async () => {
    await writeFile(join(dir, "wrangler.toml"), TOML);
    for (const answer of [undefined, false]) {
      const out = io(answer);
      expect(await main([], {}, out, dir)).toBe(1);
      expect(out.asked).toBe(1);
      expect(out.text()).toContain("append to wrangler.toml: the cron the example runs on");
      expect(out.text()).toContain("create src/functions/example.ts");
      expect(out.text()).toContain("nothing was changed");
      expect(await snapshot()).toEqual({ "wrangler.toml": TOML });
    }
  });

  it("with --yes: the cron, an owner-only .dev.vars with a generated API_TOKEN, .gitignore, the example and its test", async () => {
    await writeFile(join(dir, "wrangler.toml"), TOML);
    const out = io();
    expect(await main(["--yes"], {}, out, dir)).toBe(0);
    expect(out.asked).toBe(0);
    const files = await snapshot();
    expect(Object.keys(files).sort()).toEqual([".dev.vars", ".gitignore", "src/functions/example.ts", "test/example.test.ts", "wrangler.toml"]);
    expect(files["wrangler.toml"]!.startsWith(`${TOML}\n`)).toBe(true);
    expect(await readCrons(join(dir, "wrangler.toml"))).toEqual(["* * * * *"]);
    expect(files[".dev.vars"]).toMatch(/^API_TOKEN=[A-Za-z0-9_-]{32}\n$/);
    expect((await stat(join(dir, ".dev.vars"))).mode & 0o777).toBe(0o600);
    expect(files[".gitignore"]).toBe(".dev.vars\n.cronsumer/\n");
    expect(files["src/functions/example.ts"]).toContain('crons: ["* * * * *"]');
    expect(files["test/example.test.ts"]).toContain('from "../src/functions/example"');
    expect(out.text()).toContain("npm install --save-dev wrangler vitest");
  });

  it("never replaces what the user wrote, uses their cron, and a second run has nothing to do", async () => {
    const toml = `${TOML}\n\n[triggers]\ncrons = ["*/5 * * * *"]\n`;
    await writeFile(join(dir, "wrangler.toml"), toml);
    await writeFile(join(dir, ".dev.vars"), "API_TOKEN=mine\nOTHER=1");
    await writeFile(join(dir, ".gitignore"), "node_modules\n.dev.vars");
    await mkdir(join(dir, "test"));
    await writeFile(join(dir, "test", "example.test.ts"), "// my own test\n");
    const out = io();
    expect(await main(["--yes"], {}, out, dir)).toBe(0);
    const files = await snapshot();
    expect(files["wrangler.toml"]).toBe(toml);
    expect(files[".dev.vars"]).toBe("API_TOKEN=mine\nOTHER=1");
    expect(files[".gitignore"]).toBe("node_modules\n.dev.vars\n.cronsumer/\n");
    expect(files["test/example.test.ts"]).toBe("// my own test\n");
    expect(files["src/functions/example.ts"]).toContain('crons: ["*/5 * * * *"]');
    expect(out.text()).toContain("note: test/example.test.ts exists: left as it is");

    const again = io();
    expect(await main(["--yes"], {}, again, dir)).toBe(0);
    expect(again.text()).toContain("nothing to change");
    expect(await snapshot()).toEqual(files);
  });

  it("with --drainer, adds the CronsumerDrainer binding and its migration once", async () => {
    await writeFile(join(dir, "wrangler.toml"), TOML);
    expect(await main(["--yes", "--drainer"], {}, io(), dir)).toBe(0);
    const toml = await readFile(join(dir, "wrangler.toml"), "utf8");
    expect(toml).toContain('[[durable_objects.bindings]]\nname = "CRONSUMER_DRAINER"\nclass_name = "CronsumerDrainer"');
    expect(toml).toContain('new_sqlite_classes = ["CronsumerDrainer"]');
    expect(await main(["--yes", "--drainer"], {}, io(), dir)).toBe(0);
    expect(await readFile(join(dir, "wrangler.toml"), "utf8")).toBe(toml);
  });

  it("names an unknown flag", async () => {
    const out = io();
    expect(await main(["--force"], {}, out, dir)).toBe(2);
    expect(out.text()).toContain("Unknown option '--force'");
  });
});
