//go:build e2e

package n8ne2e

import "syscall"

// sysProcAttr puts a child in its own process group (stopped as a whole)
// and kills it if the test process dies without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
