/**
 * Starts the real pack (policies/index.ts, `new PolicyPack`) in a child process, as the Pulumi CLI does, and talks to
 * it over the analyzer gRPC protocol the engine uses: the pack must boot (version, names, schemas accepted) and
 * report through the SDK's own server exactly what the offline checker reports.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { expect } from "chai";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { PACK_NAME, policies } from "../../policies/policies";
import { actionsSecret, ACTIONS_SECRET, appService, SERVICE } from "./fixtures";

const PACK_DIR = path.resolve(__dirname, "../../policies");

function call<Req, Res>(
    fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
    req: Req,
): Promise<Res> {
    return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

describe("policy pack under the analyzer protocol", function () {
    this.timeout(120000);
    let child: ChildProcess;
    let client: analyzerGrpc.AnalyzerClient;

    before(async () => {
        // The runner the CLI's analyzer plugin uses: it type-checks the pack with policies/tsconfig.json (ts-node,
        // typeCheck: true), so a type error anywhere in the pack or the components it imports fails here too.
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
        child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
            cwd: PACK_DIR,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr!.on("data", (d) => {
            stderr += d;
        });
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) {
                    resolve(Number(m[1]));
                }
            });
            child.on("exit", (code) => reject(new Error(`the pack exited with ${code} before listening: ${stderr}`)));
        });
        client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    it("describes every policy with its enforcement level and config schema", async () => {
        const info = await call<Empty, analyzerPb.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
        expect(info.getName()).to.equal(PACK_NAME);
        expect(info.getVersion()).to.equal("0.1.0");
        const listed = info.getPoliciesList();
        expect(listed.map((p) => p.getName())).to.deep.equal(policies.map((p) => p.name));
        const tiers = listed.find((p) => p.getName() === "docker-service-match-tier-resources")!;
        expect(tiers.getEnforcementlevel()).to.equal(analyzerPb.EnforcementLevel.MANDATORY);
        expect(Object.keys(tiers.getConfigschema()!.getProperties()!.toJavaScript())).to.deep.equal(["tiers"]);
    });

    it("reports a :latest image and a plaintext password on a service", async () => {
        const svc = appService();
        svc.taskSpec.containerSpec.image = "ghcr.io/sophia-ai/api:latest";
        svc.taskSpec.containerSpec.env.POSTGRES_PASSWORD = "hunter2";
        const req = new analyzerPb.AnalyzeRequest()
            .setType(SERVICE)
            .setName("api-service")
            .setUrn(`urn:pulumi:prod::sophia-infra::${SERVICE}::api-service`)
            .setProperties(Struct.fromJavaScript(svc))
            .setOptions(new analyzerPb.AnalyzerResourceOptions());
        const res = await call<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(client.analyze.bind(client), req);
        // The SDK's server prefixes each message with the policy's description.
        expect(
            res.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getMessage().split("\n").pop()]),
        ).to.deep.equal([
            [
                "docker-service-disallow-unpinned-images",
                'Service "api" must pin its image to a version tag or digest, got "ghcr.io/sophia-ai/api:latest".',
            ],
            [
                "docker-service-disallow-plaintext-secrets",
                'Service "api" must not pass a secret in plaintext env var POSTGRES_PASSWORD; mount it as a Docker secret file and pass its path (POSTGRES_PASSWORD_FILE).',
            ],
        ]);
    });

    it("reads deleteBeforeReplace from the resource options the engine sends", async () => {
        const analyze = async (deleteBeforeReplace: boolean) => {
            const req = new analyzerPb.AnalyzeRequest()
                .setType(ACTIONS_SECRET)
                .setName("deploy-token")
                .setUrn(`urn:pulumi:prod::sophia-infra::${ACTIONS_SECRET}::deploy-token`)
                .setProperties(Struct.fromJavaScript(actionsSecret()))
                .setOptions(
                    new analyzerPb.AnalyzerResourceOptions()
                        .setDeletebeforereplace(deleteBeforeReplace)
                        .setDeletebeforereplacedefined(true),
                );
            const res = await call<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(
                client.analyze.bind(client),
                req,
            );
            return res.getDiagnosticsList().map((d) => d.getPolicyname());
        };
        expect(await analyze(true)).to.deep.equal([]);
        expect(await analyze(false)).to.deep.equal(["github-actions-secret-require-delete-before-replace"]);
    });
});
