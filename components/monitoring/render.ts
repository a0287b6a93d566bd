import { stringify } from "yaml";

/** Serialises a typed config object as YAML. Long PromQL stays on one line so diffs and error positions stay readable. */
export function toYaml(value: unknown): string {
    return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
