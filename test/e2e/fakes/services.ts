/**
 * The fakes of external SaaS as Swarm services in the test's swarm: the OpenAI-compatible upstream, GitHub, Pulumi
 * ESC (test/support, written for the unit tests and runnable on their own) and a Slack webhook sink. They run from
 * the node stand-in with the repository bind-mounted read-only (ts-node, no image build), attach to the stack's
 * overlay under the host names the stack config points at, and publish a host port each so the test can drive them.
 */
import Docker from "dockerode";
import { waitConverged } from "../applier/applier";
import { STAND_INS } from "../images";

/** Host names on the overlay (the stack config points at these) and container ports. */
export const FAKES = {
    upstream: { name: "llm-upstream", port: 8000 },
    github: { name: "fake-github", port: 8081 },
    esc: { name: "fake-esc", port: 8082 },
    sink: { name: "webhook-sink", port: 8080 },
} as const;
export type FakeName = keyof typeof FAKES;

export const FAKE_GITHUB_TOKEN = "ghp_e2e-fake-github-token";
export const FAKE_ESC_TOKEN = "pul-e2e-fake-esc-token";

export interface FakeSeeds {
    /** test/support/fakeGitHub.ts seed (orgs, repos, secrets). */
    github?: unknown;
    /** test/support/fakeEsc.ts seed ({"org/project/env": {values, secrets}}). */
    esc?: unknown;
}

const TS_NODE = ["node", "/repo/node_modules/ts-node/dist/bin.js", "--transpile-only"];

function command(fake: FakeName): string[] {
    switch (fake) {
        case "upstream":
            return [
                ...TS_NODE,
                "/repo/test/support/fakeOpenAI.ts",
                "--port",
                String(FAKES.upstream.port),
                "--host",
                "0.0.0.0",
            ];
        case "github":
            return [
                ...TS_NODE,
                "/repo/test/e2e/fakes/expose.ts",
                "--listen",
                String(FAKES.github.port),
                "--",
                "/repo/test/support/fakeGitHub.ts",
                "--token",
                FAKE_GITHUB_TOKEN,
            ];
        case "esc":
            return [
                ...TS_NODE,
                "/repo/test/e2e/fakes/expose.ts",
                "--listen",
                String(FAKES.esc.port),
                "--",
                "/repo/test/support/fakeEsc.ts",
                "--token",
                FAKE_ESC_TOKEN,
            ];
        case "sink":
            return [...TS_NODE, "/repo/test/e2e/fakes/webhookSink.ts", "--port", String(FAKES.sink.port)];
    }
}

/** Creates the fakes on `networkId`, publishing each on the given host port; waits until their tasks run. */
export async function startFakes(
    docker: Docker,
    opts: { repoRoot: string; networkId: string; hostPorts: Record<FakeName, number>; seeds: FakeSeeds },
): Promise<void> {
    const ids: string[] = [];
    for (const fake of Object.keys(FAKES) as FakeName[]) {
        const { name, port } = FAKES[fake];
        const seed = fake === "github" ? opts.seeds.github : fake === "esc" ? opts.seeds.esc : undefined;
        const created = (await docker.createService({
            Name: name,
            Labels: { "sophia-e2e.fake": fake },
            TaskTemplate: {
                ContainerSpec: {
                    Image: STAND_INS.node,
                    Command: command(fake),
                    Dir: "/repo",
                    Env: seed === undefined ? [] : [`FAKE_SEED_JSON=${JSON.stringify(seed)}`],
                    Mounts: [{ Type: "bind", Source: opts.repoRoot, Target: "/repo", ReadOnly: true }],
                },
                Networks: [{ Target: opts.networkId, Aliases: [name] }],
                RestartPolicy: { Condition: "on-failure", MaxAttempts: 2 },
            },
            Mode: { Replicated: { Replicas: 1 } },
            EndpointSpec: {
                Mode: "dnsrr",
                Ports: [
                    { Protocol: "tcp", TargetPort: port, PublishedPort: opts.hostPorts[fake], PublishMode: "host" },
                ],
            },
        } as Docker.CreateServiceOptions)) as { id?: string; ID?: string };
        ids.push(created.id ?? created.ID!);
    }
    await Promise.all(ids.map((id) => waitConverged(docker, id, 1, 1000, 120000)));
}
