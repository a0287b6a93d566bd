import { expect } from "chai";
import { dockerStackDisallowDuplicatePorts as policy } from "../../../policies/stack/dockerStackDisallowDuplicatePorts";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, runStackPolicy, StackResource } from "../util";

const publishing = (name: string, ...ports: [number, string?][]): StackResource => {
    const props = appService();
    props.name = name;
    props.endpointSpec.ports = ports.map(([p, protocol]) => ({ targetPort: 8000, publishedPort: p, protocol }));
    return { type: SERVICE, name: `${name}-service`, props };
};
const urn = (name: string) => `urn:pulumi:test::sophia-infra::${SERVICE}::${name}`;

describe("docker-stack-disallow-duplicate-ports", () => {
    it("has the pack's metadata", () => assertMetadata(policy, "docker-stack-disallow-duplicate-ports", "mandatory"));

    it("passes distinct ports, and the same number on tcp and udp", async () => {
        expect(
            await runStackPolicy(policy, [
                publishing("web", [443]),
                publishing("dns", [53, "udp"], [8053]),
                publishing("dns-tcp", [53, "tcp"]),
            ]),
        ).to.deep.equal([]);
    });

    it("fails a second service publishing the same port", async () => {
        expect(
            await runStackPolicy(policy, [publishing("web", [443]), publishing("admin", [8443], [443, "tcp"])]),
        ).to.deep.equal([
            [
                urn("admin-service"),
                'Service "admin" must not publish port 443/tcp: service "web" already publishes it.',
            ],
        ]);
    });
});
