package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/lottery-go/lottery/infrastructure/config"
)

// lockName is the file in the data directory that the process using it holds locked.
const lockName = "lottery.lock"

// errLocked is what tryLock returns when another open file holds the lock.
var errLocked = errors.New("locked")

// dataLock is one process's exclusive hold on a data directory. The operating system drops
// it when the process ends, however it ends, so a kill -9 leaves nothing stale behind.
type dataLock struct{ f *os.File }

// needsDataLock reports whether cfg runs an in-process server whose state a second process
// on the same data directory must not share: the embedded NATS keeps its store there, and
// an embedded Redis admits draws from its own counters, so two of them over one database
// (the SQLite file there, or a shared MySQL) oversell. The lock cannot see processes on
// other machines: an in-process Redis is for one process only.
func needsDataLock(cfg config.Config) bool {
	return cfg.NATS.URL == "" || cfg.Redis.Addr == ""
}

// lockDataDir takes dir for this process, writing its pid into the lock file for the
// message another process gets.
func lockDataDir(dir string) (*dataLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := tryLock(f); err != nil {
		holder := readHolder(f)
		_ = f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("data directory %s is in use by another lottery process%s; stop it, or give this process "+
				"its own data_dir (LOTTERY_DATA_DIR): two processes on one data directory would each keep their own "+
				"in-process Redis over the same database and oversell", absPath(dir), holder)
		}
		return nil, fmt.Errorf("lock data directory %s: %w", absPath(dir), err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dataLock{f: f}, nil
}

// Release gives the data directory up.
func (l *dataLock) Release() {
	_ = l.f.Truncate(0)
	_ = unlock(l.f)
	_ = l.f.Close()
}

// readHolder names the process that wrote the lock file, if it says.
func readHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:n]))); err == nil && pid > 0 {
		return fmt.Sprintf(" (pid %d)", pid)
	}
	return ""
}

func absPath(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}
