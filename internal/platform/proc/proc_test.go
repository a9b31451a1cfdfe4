package proc

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestStopIsGraceful(t *testing.T) {
	t.Parallel()
	p, err := Start(Spec{Name: "sleeper", Path: "/bin/sleep", Args: []string{"60"}, LogFile: filepath.Join(t.TempDir(), "log")}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("stopping a child that honours SIGTERM took %s", took)
	}
}

func TestStopKillsAChildThatIgnoresTheSignal(t *testing.T) {
	t.Parallel()
	p, err := Start(Spec{
		Name: "stubborn", Path: "/bin/sh", Args: []string{"-c", "trap '' TERM; while :; do sleep 0.1; done"},
		LogFile: filepath.Join(t.TempDir(), "log"), StopGrace: 300 * time.Millisecond,
	}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the shell install its trap
	start := time.Now()
	if err := p.Stop(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop = %v, want it to report the kill", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the kill came after %s", took)
	}
}

func TestAChildThatDiesIsRestarted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker := filepath.Join(dir, "starts")
	p, err := Start(Spec{
		Name: "flaky", Path: "/bin/sh", Args: []string{"-c", "echo start >> " + marker + "; sleep 0.05; exit 3"},
		LogFile: filepath.Join(dir, "log"), StopSignal: syscall.SIGTERM,
	}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(marker)
		if strings.Count(string(b), "start") >= 2 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the child was not restarted after it exited")
}

func TestLookPathSearchesExtraDirectories(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, v := range []string{"13", "16"} {
		os.MkdirAll(filepath.Join(dir, v, "bin"), 0o755)
		os.WriteFile(filepath.Join(dir, v, "bin", "xentri-test-tool"), []byte("#!/bin/sh\n"), 0o755)
	}
	got, err := LookPath("xentri-test-tool", filepath.Join(dir, "*", "bin"))
	if err != nil || got != filepath.Join(dir, "16", "bin", "xentri-test-tool") {
		t.Fatalf("LookPath = %q, %v; want the highest version", got, err)
	}
	if _, err := LookPath("xentri-no-such-tool", filepath.Join(dir, "*", "bin")); err == nil {
		t.Fatal("found a tool that does not exist")
	}
}
