import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VXLAN_IGNORE_CHANGES_PATH } from "../../../components/networkOptions";
import { appService, NETWORK, overlayNetwork, SERVICE } from "../fixtures";
import { npmRun, policyCheck } from "./harness";

describe("npm run policy:check", function () {
    this.timeout(60000);
    let dir: string;
    const file = (name: string, content: string) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, content);
        return p;
    };
    const docOf = (resources: object[]) => JSON.stringify({ version: 3, deployment: { resources } });

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("exits 0 and prints a summary for a compliant document", () => {
        const svc = appService();
        svc.taskSpec.networksAdvanceds = [{ id: "net-id" }];
        const p = file(
            "ok.json",
            docOf([
                {
                    urn: `urn:pulumi:prod::sophia-infra::${NETWORK}::net`,
                    custom: true,
                    type: NETWORK,
                    id: "net-id",
                    inputs: overlayNetwork(),
                    outputs: overlayNetwork(),
                    ignoreChanges: [VXLAN_IGNORE_CHANGES_PATH],
                },
                {
                    urn: `urn:pulumi:prod::sophia-infra::${SERVICE}::api-service`,
                    custom: true,
                    type: SERVICE,
                    inputs: svc,
                    outputs: svc,
                },
            ]),
        );
        const r = npmRun("policy:check", p);
        expect(r.status).to.equal(0);
        expect(r.stdout.trim()).to.equal(`${p}: 2 resources checked, 0 mandatory and 0 advisory violation(s).`);
    });

    it("exits 1 and prints level, policy, resource and message for a mandatory violation", () => {
        const net = overlayNetwork();
        delete net.options.encrypted;
        const urn = `urn:pulumi:prod::sophia-infra::${NETWORK}::net`;
        const r = policyCheck(
            file("bad.json", docOf([{ urn, custom: true, type: NETWORK, inputs: net, outputs: net }])),
        );
        expect(r.status).to.equal(1);
        expect(r.stdout.split("\n").slice(0, 2)).to.deep.equal([
            `mandatory docker-network-require-encryption  ${urn}`,
            '          Overlay network "sophia-overlay" must be encrypted: set options.encrypted to "true".',
        ]);
    });

    it("exits 0 when only advisory policies are violated, and 1 when a config file makes them mandatory", () => {
        const net = overlayNetwork();
        net.options["com.docker.network.driver.mtu"] = "9000";
        const p = file(
            "jumbo.json",
            docOf([
                {
                    urn: `urn:pulumi:prod::sophia-infra::${NETWORK}::net`,
                    type: NETWORK,
                    inputs: net,
                    ignoreChanges: [VXLAN_IGNORE_CHANGES_PATH],
                },
            ]),
        );
        const advisory = policyCheck(p);
        expect(advisory.status).to.equal(0);
        expect(advisory.stdout).to.match(/^advisory {2}docker-network-advise-standard-mtu /);
        const config = file("config.json", JSON.stringify({ "docker-network-advise-standard-mtu": "mandatory" }));
        expect(policyCheck("--config", config, p).status).to.equal(1);
    });

    const bad: [string, () => string[], RegExp][] = [
        [
            "a missing file",
            () => [path.join(dir, "nope.json")],
            /^policy:check: Input file .*nope\.json does not exist\.$/,
        ],
        ["a directory", () => [dir], /^policy:check: Input file .* is a directory\.$/],
        [
            "malformed JSON",
            () => [file("broken.json", '{"deployment": ')],
            /^policy:check: .*broken\.json is not valid JSON/,
        ],
        [
            "JSON that is not a stack export",
            () => [file("other.json", '{"name": "x"}')],
            /has no `deployment.resources` array; expected the output of `pulumi stack export` or `npm run plan -- --json`\.$/,
        ],
        ["no file argument", () => [], /^policy:check: expected exactly one input file, got 0\./],
        [
            "a config naming an unknown policy",
            () => ["--config", file("c.json", '{"no-such-policy": "advisory"}'), file("e.json", docOf([]))],
            /names unknown policy "no-such-policy"/,
        ],
    ];
    for (const [what, args, message] of bad) {
        it(`exits 2 with a clear message for ${what}`, () => {
            const r = policyCheck(...args());
            expect(r.status).to.equal(2);
            expect(r.stderr.trim().split("\n")[0]).to.match(message);
            expect(r.stdout).to.equal("");
        });
    }
});
