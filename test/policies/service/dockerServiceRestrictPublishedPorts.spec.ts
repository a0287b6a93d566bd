import { dockerServiceRestrictPublishedPorts as policy } from "../../../policies/service/dockerServiceRestrictPublishedPorts";
import { appService, SERVICE } from "../fixtures";
import { assertMetadata, assertNoViolations, assertViolations, resourceArgs } from "../util";

const publishing = (...ports: number[]) => {
    const svc = appService();
    svc.endpointSpec.ports = ports.map((p) => ({
        targetPort: 8000,
        publishedPort: p,
        publishMode: "ingress",
        protocol: "tcp",
    }));
    return svc;
};

describe("docker-service-restrict-published-ports", () => {
    it("is advisory and has the pack's metadata", () =>
        assertMetadata(policy, "docker-service-restrict-published-ports", "advisory"));

    it("passes a service that publishes nothing", async () => {
        await assertNoViolations(policy, resourceArgs(policy, SERVICE, appService()));
    });

    it("warns about a port published by an unlisted service", async () => {
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, publishing(8080)),
            'Service "api" publishes port 8080, but only services listed in allowedServices may publish ports.',
        );
    });

    it("allows a listed service any port, or one listed port", async () => {
        await assertNoViolations(
            policy,
            resourceArgs(policy, SERVICE, publishing(80, 443), { config: { allowedServices: ["api"] } }),
        );
        await assertViolations(
            policy,
            resourceArgs(policy, SERVICE, publishing(443, 8443), { config: { allowedServices: ["api:443"] } }),
            'Service "api" publishes port 8443, but only services listed in allowedServices may publish ports.',
        );
    });
});
