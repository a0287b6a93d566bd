import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { ServiceProps, serviceName } from "./service";
import { SERVICE } from "./types";

/**
 * A resource validation that runs only for the given type tokens (matching on the token string, so the pack does
 * not depend on the provider SDKs that `validateResourceOfType` would need).
 */
export function validateTypes<P>(
    types: readonly string[],
    validate: (props: P, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
    return (args, report) => {
        if (!types.includes(args.type)) {
            args.notApplicable(`Policy only applies to resources of type ${types.map((t) => `'${t}'`).join(", ")}`);
        }
        validate(args.props as P, args, report);
    };
}

/** A validation of `docker:index/service:Service` resources, given the Docker service name for messages. */
export function validateService(
    validate: (props: ServiceProps, name: string, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
    return validateTypes<ServiceProps>([SERVICE], (props, args, report) =>
        validate(props, serviceName(props, args.name), args, report),
    );
}
