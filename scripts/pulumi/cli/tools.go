//go:build tools

// Package tools pins the Pulumi CLI's main package in this module, so `go build` of it uses this go.mod and go.sum
// (the exact, checksummed dependency set of github.com/pulumi/pulumi/pkg/v3 at the version the npm SDK is pinned
// to). `go install pkg@version` cannot do that: pkg/v3's own go.mod has replace directives, which it refuses.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
