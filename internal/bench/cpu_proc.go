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
	cores       int
}

// procTime is one process's name, start (ticks after boot: with the pid, which process it
// is) and time so far.
type procTime struct {
	name  string
	start int64
	ticks int64
}

// since is the time the processes named name spent from a to s, how many there are at s,
// and how many of a's have ended: a process that started in between counts from its
// start; one that ended is not seen, its time lost.
func (s cpuSnap) since(a cpuSnap, name string) (ticks int64, count, ended int) {
	for pid, p := range s.procs {
		if p.name != name {
			continue
		}
		count++
		ticks += p.ticks
		if before, ok := a.procs[pid]; ok && before.start == p.start {
			ticks -= before.ticks
		}
	}
	for pid, p := range a.procs {
		if now, ok := s.procs[pid]; p.name == name && (!ok || now.start != p.start) {
			ended++
		}
	}
	return ticks, count, ended
}

// readCPU reads a snapshot from root (/proc).
func readCPU(root string, names map[string]bool, self int) (cpuSnap, error) {
	s := cpuSnap{procs: map[int]procTime{}}
	var err error
	if s.busy, s.total, s.cores, err = readMachine(filepath.Join(root, "stat")); err != nil {
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
		p, err := parseProcStat(b)
		if err != nil {
			continue // not a process line this reads; none of the bench's business
		}
		switch {
		case pid == self:
			s.self = p.ticks
		case names[p.name]:
			s.procs[pid] = p
		}
	}
	return s, nil
}

// parseProcStat reads a process's name, user + system ticks and start from its stat line:
// "pid (name) state ppid … utime stime … starttime …", where the name may hold spaces
// and parentheses, so the fields are counted from its last ')'.
func parseProcStat(b []byte) (procTime, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procTime{}, errors.New("no name in parentheses")
	}
	// fields[0] is the state, field 3 of the line; utime, stime and starttime are
	// fields 14, 15 and 22.
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 20 {
		return procTime{}, errors.New("too few fields")
	}
	var n [3]int64
	for i, f := range []string{fields[11], fields[12], fields[19]} {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return procTime{}, err
		}
		n[i] = v
	}
	return procTime{name: string(b[open+1 : end]), ticks: n[0] + n[1], start: n[2]}, nil
}

// readMachine reads the machine's busy and total ticks from the "cpu" line of /proc/stat
// (user nice system idle iowait irq softirq steal …), and counts its "cpuN" lines. Idle and
// I/O wait are not busy; nor is steal, the time the hypervisor gave to other machines,
// though it is part of the total.
func readMachine(path string) (busy, total int64, cores int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, 0, 0, errors.New("no /proc here (Linux only)")
		}
		return 0, 0, 0, err
	}
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, 0, fmt.Errorf("%s: no cpu line", path)
	}
	for i, f := range fields[1:9] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", path, err)
		}
		total += n
		if i != 3 && i != 4 && i != 7 {
			busy += n
		}
	}
	for l := range bytes.SplitSeq(rest, []byte("\n")) {
		if len(l) > 3 && bytes.HasPrefix(l, []byte("cpu")) && l[3] >= '0' && l[3] <= '9' {
			cores++
		}
	}
	return busy, total, cores, nil
}
