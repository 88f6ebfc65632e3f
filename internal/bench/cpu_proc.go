package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpuSnap is the times (clock ticks, user + system) at one moment: of each process with
// one of the names asked for, of the bench itself, and of the whole machine.
type cpuSnap struct {
	procs       map[int]procTime
	self        int64
	busy, total int64
}

type procTime struct {
	name  string
	ticks int64
}

// since is the time the processes named name spent from a to s, and how many there were:
// a process that started in between counts from its start; one that ended is not seen.
func (s cpuSnap) since(a cpuSnap, name string) (ticks int64, count int) {
	for pid, p := range s.procs {
		if p.name != name {
			continue
		}
		count++
		ticks += p.ticks
		if before, ok := a.procs[pid]; ok && before.name == name {
			ticks -= before.ticks
		}
	}
	return ticks, count
}

// readCPU reads a snapshot from root (/proc).
func readCPU(root string, names map[string]bool, self int) (cpuSnap, error) {
	s := cpuSnap{procs: map[int]procTime{}}
	var err error
	if s.busy, s.total, err = readMachine(filepath.Join(root, "stat")); err != nil {
		return s, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return s, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "stat"))
		if err != nil {
			continue // it ended meanwhile
		}
		name, ticks, err := parseProcStat(b)
		if err != nil {
			return s, fmt.Errorf("%s/%d/stat: %w", root, pid, err)
		}
		switch {
		case pid == self:
			s.self = ticks
		case names[name]:
			s.procs[pid] = procTime{name: name, ticks: ticks}
		}
	}
	return s, nil
}

// parseProcStat reads a process's name and user + system ticks from its stat line:
// "pid (name) state ppid … utime stime …", where the name may hold spaces and
// parentheses, so the fields are counted from its last ')'.
func parseProcStat(b []byte) (string, int64, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, errors.New("no name in parentheses")
	}
	fields := strings.Fields(string(b[end+1:]))
	// fields[0] is the state (field 3 of the line); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return "", 0, errors.New("too few fields")
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return "", 0, err
	}
	return string(b[open+1 : end]), utime + stime, nil
}

// readMachine reads the machine's busy and total ticks from the "cpu" line of /proc/stat:
// user nice system idle iowait irq softirq steal …; idle and iowait are not busy.
func readMachine(path string) (busy, total int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, 0, errors.New("no /proc here (Linux only)")
		}
		return 0, 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, fmt.Errorf("%s: no cpu line", path)
	}
	for i, f := range fields[1:9] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", path, err)
		}
		total += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, total, nil
}
