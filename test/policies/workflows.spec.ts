import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const DIR = path.resolve(__dirname, "../../.github/workflows");
const load = (file: string) => parse(fs.readFileSync(path.join(DIR, file), "utf8"), { strict: true, uniqueKeys: true });
const steps = (job: any): any[] => job.steps;
const uses = (job: any, action: string) =>
    steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));
const runs = (job: any) =>
    steps(job)
        .filter((s) => s.run)
        .map((s) => `${s["working-directory"] ?? "."}: ${s.run}`);

/** The common shape of a job that runs Pulumi: checkout, Node 20, npm ci at the root and in policies/, the action with the pack. */
function expectPulumiJob(job: any, command: string): any {
    expect(uses(job, "actions/checkout")).to.have.length(1);
    expect(uses(job, "actions/setup-node")[0].with["node-version"]).to.equal(20);
    expect(runs(job)).to.include.members([".: npm ci", "policies: npm ci"]);
    const [pulumi] = uses(job, "pulumi/actions");
    expect(pulumi.uses).to.equal("pulumi/actions@v6");
    expect(pulumi.with).to.include({ command, policyPacks: "policies" });
    expect(pulumi.with.policyPackConfigs).to.match(
        /^policies\/config\/\$\{\{ (vars\.PULUMI_STACK|matrix\.stack) \}\}\.json$/,
    );
    expect(job.env.PULUMI_ACCESS_TOKEN).to.equal("${{ secrets.PULUMI_ACCESS_TOKEN }}");
    // The action must come after the pack's dependencies are installed.
    expect(steps(job).indexOf(pulumi)).to.be.greaterThan(
        steps(job).findIndex((s) => s["working-directory"] === "policies"),
    );
    return pulumi;
}

/** The checks every PR and deployment runs before Pulumi. */
function expectChecks(job: any): void {
    expect(runs(job)).to.include.ordered.members([
        ".: bash scripts/install-system-deps.sh",
        ".: npm ci",
        ".: npm run typecheck",
        ".: npm test",
        ".: npm run policy:check:plans",
    ]);
}

describe("GitHub workflows", () => {
    it("preview.yml previews pull requests with the policy pack and comments on the PR", () => {
        const wf = load("preview.yml");
        expect(Object.keys(wf.on)).to.deep.equal(["pull_request"]);
        expect(wf.permissions).to.deep.equal({ contents: "read", "pull-requests": "write" });
        const job = wf.jobs.preview;
        expectChecks(job);
        const pulumi = expectPulumiJob(job, "preview");
        expect(pulumi.with["comment-on-pr"]).to.equal(true);
        expect(pulumi.with["stack-name"]).to.equal("${{ vars.PULUMI_ORG }}/sophia-infra/${{ vars.PULUMI_STACK }}");
    });

    it("deploy.yml runs the checks on pushes to main, then `up` per stack behind its environment, one update per stack at a time", () => {
        const wf = load("deploy.yml");
        expect(wf.on.push).to.deep.equal({ branches: ["main"] });
        expectChecks(wf.jobs.checks);
        const job = wf.jobs.deploy;
        expect(job.needs).to.equal("checks");
        expect(job.environment).to.equal("${{ matrix.stack }}");
        expect(job.concurrency).to.deep.equal({ group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false });
        expect(job.strategy.matrix.stack).to.equal("${{ fromJSON(vars.PULUMI_STACKS || '[\"prod\"]') }}");
        const pulumi = expectPulumiJob(job, "up");
        expect(pulumi.with["stack-name"]).to.equal("${{ vars.PULUMI_ORG }}/sophia-infra/${{ matrix.stack }}");
    });

    it("drift.yml refreshes each stack on a schedule expecting no changes, and files an issue on failure", () => {
        const wf = load("drift.yml");
        expect(wf.on.schedule[0].cron).to.match(/^\S+ \S+ \S+ \S+ \S+$/);
        expect(wf.permissions.issues).to.equal("write");
        const job = wf.jobs.drift;
        expect(job.strategy["fail-fast"]).to.equal(false);
        const pulumi = expectPulumiJob(job, "preview");
        expect(pulumi.with).to.include({ refresh: true, "expect-no-changes": true });
        const [issue] = uses(job, "actions/github-script");
        expect(issue.if).to.equal(`failure() && steps.${pulumi.id}.outcome == 'failure'`);
    });

    describe("drift issue script", () => {
        const script: string = uses(load("drift.yml").jobs.drift, "actions/github-script")[0].with.script;
        const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;

        /** Runs the script as actions/github-script does, against an in-memory issue list. */
        async function runScript(openIssues: any[]) {
            const calls: [string, any][] = [];
            const rest = {
                issues: {
                    listForRepo: "listForRepo",
                    createComment: async (a: any) => {
                        calls.push(["comment", a]);
                    },
                    create: async (a: any) => {
                        calls.push(["create", a]);
                        return { data: { number: 99 } };
                    },
                },
            };
            const github = {
                rest,
                paginate: async (fn: unknown, args: any) => {
                    calls.push(["list", args]);
                    expect(fn).to.equal("listForRepo");
                    return openIssues;
                },
            };
            const context = { repo: { owner: "sophia-ai", repo: "sophia-infra" } };
            const core = { info: () => undefined };
            const saved = { ...process.env };
            Object.assign(process.env, {
                STACK: "prod",
                RUN_URL: "https://github.com/sophia-ai/sophia-infra/actions/runs/1",
            });
            try {
                await new AsyncFunction("github", "context", "core", "require", script)(github, context, core, require);
            } finally {
                process.env = saved;
            }
            return calls;
        }

        it("opens a labelled issue when none is open", async () => {
            const calls = await runScript([{ number: 5, title: "Something else" }]);
            expect(calls.map(([k]) => k)).to.deep.equal(["list", "create"]);
            expect(calls[0][1]).to.include({
                owner: "sophia-ai",
                repo: "sophia-infra",
                state: "open",
                labels: "drift",
            });
            expect(calls[1][1]).to.include({ title: "Drift detected in stack prod" });
            expect(calls[1][1].labels).to.deep.equal(["drift"]);
            expect(calls[1][1].body).to.include("https://github.com/sophia-ai/sophia-infra/actions/runs/1");
        });

        it("comments on the open drift issue instead of opening another", async () => {
            const calls = await runScript([{ number: 7, title: "Drift detected in stack prod" }]);
            expect(calls.map(([k, a]) => [k, a.issue_number])).to.deep.equal([
                ["list", undefined],
                ["comment", 7],
            ]);
        });
    });
});
