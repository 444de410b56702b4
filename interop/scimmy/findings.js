// Prints the current findings of scimspec against SCIMMY as the JSON list
// that expected-findings.json holds, keeping the recorded requirement and
// reason of every finding that is still there. New findings get the check's
// first requirement and a reason starting with "TODO" (which the interop test
// refuses): check each one by hand against the RFC and write the reason.
// Findings that went away are listed on stderr.
//
//   node findings.js SCIMSPEC_BINARY      (scripts/scimmy-findings.sh runs it)
import {spawn, spawnSync} from "node:child_process";
const PROFILES = ["--profile", "rfc", "--profile", "entra", "--profile", "okta", "--profile", "interop"];
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const scimspec = process.argv[2];
if (!scimspec) {
    console.error("usage: node findings.js SCIMSPEC_BINARY");
    process.exit(2);
}
const token = "scimmy-findings-token";
const verdicts = ["fail", "error", "warn"];

const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
        const {port} = probe.address();
        probe.close(() => resolve(port));
    });
});
const server = spawn(process.execPath, [join(here, "server.js")], {
    cwd: here, env: {...process.env, PORT: String(port), TOKEN: token}, stdio: "ignore",
});
const base = `http://127.0.0.1:${port}/v2`;
const dir = mkdtempSync(join(tmpdir(), "scimmy-findings-"));
try {
    for (let ready = false, tries = 0; !ready; tries++) {
        if (tries > 200) throw new Error("SCIMMY did not start");
        ready = await fetch(`${base}/ServiceProviderConfig`, {headers: {Authorization: `Bearer ${token}`}})
            .then((r) => r.ok, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 150));
    }
    // --jobs 1 and every profile, as in tests/it/scimmy.rs (see the comment there).
    const report = join(dir, "report.json");
    spawnSync(scimspec, ["run", "--target", base, "--jobs", "1", "--color", "never", ...PROFILES, "--report-json", report], {
        env: {...process.env, SCIM_TOKEN: token}, stdio: ["ignore", "ignore", "inherit"],
    });
    const {results, fatal} = JSON.parse(readFileSync(report, "utf8"));
    if (fatal) throw new Error(`run stopped: ${fatal}`);

    const recorded = JSON.parse(readFileSync(join(here, "expected-findings.json"), "utf8"));
    const key = (check, verdict) => `${check} ${verdict}`;
    const byKey = new Map(recorded.map((e) => [key(e.check, e.verdict), e]));
    const current = results.filter((r) => verdicts.includes(r.verdict)).map((r) => byKey.get(key(r.id, r.verdict)) ?? {
        check: r.id, verdict: r.verdict, requirement: r.requirements[0]?.id ?? "",
        reason: `TODO: check by hand against the RFC. scimspec: ${r.message}`,
    });
    const now = new Set(current.map((e) => key(e.check, e.verdict)));
    for (const gone of recorded.filter((e) => !now.has(key(e.check, e.verdict)))) {
        console.error(`went away: ${gone.check} [${gone.verdict}]`);
    }
    console.log(JSON.stringify(current, null, 2));
} finally {
    server.kill();
    rmSync(dir, {recursive: true, force: true});
}
