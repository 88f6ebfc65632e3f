//go:build !unix

package main

import "os"

// tryLock does not exclude anything where flock is missing: there, running one server per
// data directory is up to the operator.
func tryLock(*os.File) error { return nil }

func unlock(*os.File) error { return nil }
