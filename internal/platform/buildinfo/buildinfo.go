// Package buildinfo reports what this binary is: its version and commit
// (stamped at link time with -ldflags -X, or read from the Go build info),
// and the Go and Temporal SDK versions it was built with.
package buildinfo

import (
	"runtime"
	"runtime/debug"

	"go.temporal.io/sdk/temporal"
)

// Set with -ldflags "-X github.com/xentri/xentri/internal/platform/buildinfo.Version=...".
var (
	Version = ""
	Commit  = ""
)

// Info describes the running binary.
type Info struct {
	Version    string `json:"version"`
	Commit     string `json:"commit"`
	GoVersion  string `json:"go_version"`
	SDKVersion string `json:"temporal_sdk_version"`
}

// Read returns the build information, falling back to what the Go toolchain
// recorded when nothing was stamped.
func Read() Info {
	info := Info{Version: Version, Commit: Commit, GoVersion: runtime.Version(), SDKVersion: temporal.SDKVersion}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Commit == "" {
				info.Commit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}
