//go:build !unix

package main

import "os"

// tryLock does not exclude anything where flock is missing: there, running one server per
// data directory is up to the operator.
func tryLock(*os.File) error { return nil }

func unlock(*os.File) error { return nil }

// processRuns cannot ask where signals are missing: a holder on this host is taken for
// gone, as a restarted process under the same name would be.
func processRuns(int) bool { return false }
