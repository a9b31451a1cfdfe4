//go:build e2e && !linux

package n8ne2e

import "syscall"

// sysProcAttr puts a child in its own process group, stopped as a whole.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
