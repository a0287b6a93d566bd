import { PolicyPack } from "@pulumi/policy";
import { packArgs, PACK_NAME } from "./policies";

// Only assembles the pack: constructing a PolicyPack starts the analyzer's gRPC server, so tests and the offline
// checker import ./policies instead.
new PolicyPack(PACK_NAME, packArgs);
