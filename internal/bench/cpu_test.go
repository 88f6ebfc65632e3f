package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	name, ticks, err := parseProcStat([]byte("4242 (redis-server) S 1 4242 4242 0 -1 4194560 5 0 0 0 1200 345 0 0 20 0 5 0\n"))
	require.NoError(t, err)
	assert.Equal(t, "redis-server", name)
	assert.Equal(t, int64(1545), ticks)

	// A name may hold spaces and parentheses: the fields count from its last ')'.
	name, ticks, err = parseProcStat([]byte("7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 10 5 0 0 20 0 1 0\n"))
	require.NoError(t, err)
	assert.Equal(t, "a (b) c", name)
	assert.Equal(t, int64(15), ticks)

	for _, bad := range []string{"", "7 no-parens S 1", "7 (x) S 1 2 3", "7 (x) S 1 7 7 0 -1 0 0 0 0 0 ten 5 0"} {
		_, _, err := parseProcStat([]byte(bad))
		assert.Error(t, err, bad)
	}
}

// fakeProc writes a /proc of the given machine ticks (user nice system idle iowait irq
// softirq steal) and processes (pid → "name ticks").
func fakeProc(t *testing.T, root string, machine string, procs map[int]string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(root, "stat"), []byte("cpu  "+machine+" 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"), 0o644))
	for pid, p := range procs {
		var name string
		var ticks int64
		_, err := fmt.Sscan(p, &name, &ticks)
		require.NoError(t, err)
		dir := filepath.Join(root, strconv.Itoa(pid))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		// The kernel cuts the name to 15 bytes.
		line := fmt.Sprintf("%d (%s) S 1 1 1 0 -1 0 0 0 0 0 %d 0 0 0 20 0 1 0\n", pid, name[:min(len(name), 15)], ticks)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(line), 0o644))
	}
}

func TestReadCPU(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	fakeProc(t, root, "100 5 50 800 10 3 2 1", map[int]string{10: "mariadbd 700", 11: "lottery 300", 12: "bash 9", 99: "lottery 40"})
	require.NoError(t, os.MkdirAll(filepath.Join(root, "self"), 0o755))

	s, err := readCPU(root, map[string]bool{"lottery": true, "mariadbd": true}, 99)
	require.NoError(t, err)
	assert.Equal(t, int64(161), s.busy, "user nice system irq softirq steal")
	assert.Equal(t, int64(971), s.total)
	assert.Equal(t, int64(40), s.self, "the bench's own process, whatever its name")
	assert.Equal(t, map[int]procTime{10: {"mariadbd", 700}, 11: {"lottery", 300}}, s.procs)

	_, err = readCPU(filepath.Join(root, "missing"), nil, 99)
	assert.ErrorContains(t, err, "Linux only")
}

func TestReadCPUOfThisMachine(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc here")
	}
	s, err := readCPU("/proc", map[string]bool{}, os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, s.busy)
	assert.Greater(t, s.total, s.busy)
}

func TestMeasureCPU(t *testing.T) {
	t.Parallel()
	snap := func(busy, self int64, procs map[int]procTime) cpuSnap {
		return cpuSnap{procs: procs, self: self, busy: busy, total: busy * 2}
	}
	snaps := map[int]cpuSnap{}
	for k := 1; k <= 20; k++ {
		snaps[k] = snap(int64(1000*k), int64(10*k), map[int]procTime{1: {"lottery", int64(40 * k)}, 2: {"mariadbd", int64(20 * k)}})
	}
	// A second server process starts between the window's ends; one of another name never
	// counts.
	snaps[20].procs[3] = procTime{"lottery", 50}
	snaps[20].procs[4] = procTime{"bash", 5000}
	points := make([]Point, 21) // the last second is the one the phase ended in
	for i := range points {
		points[i].OK = 100
	}
	c := measureCPU(snaps, &Phase{Seconds: 20.02, Timeline: points}, []string{"lottery", "mariadbd", "nats-server"})

	assert.Empty(t, c.Note)
	assert.Equal(t, 3, c.From, "the first sixth is left out")
	assert.Equal(t, 20, c.To)
	assert.Equal(t, int64(1700), c.Draws)
	// lottery: 17 s × 40 ticks + 50 for the new process = 730 ticks = 7.3 s over 1,700
	// draws; mariadbd 340 ticks; the bench 170; the machine 17,000 of 34,000.
	assert.Equal(t, []ProcessCPU{{"lottery", 2, 4294.117647058823}, {"mariadbd", 1, 2000}, {"nats-server", 0, 0}}, c.Processes)
	assert.InDelta(t, 1000, c.BenchUs, 1e-9)
	assert.InDelta(t, 100000, c.MachineUs, 1e-9)
	assert.InDelta(t, 0.5, c.Busy, 1e-9)

	var out bytes.Buffer
	c.print(&out)
	assert.Contains(t, out.String(), "seconds 3–20 of the draws (1700 draws)")
	assert.Contains(t, out.String(), "lottery (2 processes) 4294 µs · mariadbd 2000 µs · nats-server not running here · this bench 1000 µs")
	assert.Contains(t, out.String(), "the machine 100000 µs a draw")

	// Snapshots after the phase ended are not used; a phase under 3 s is not measured.
	assert.Equal(t, 10, measureCPU(snaps, &Phase{Seconds: 10.5, Timeline: points[:11]}, nil).To)
	short := measureCPU(snaps, &Phase{Seconds: 2.5, Timeline: points[:3]}, nil)
	assert.Equal(t, "not measured: the draws took under 3 s", short.Note)
}

func TestCPUSamplerTakesASnapshotEverySecond(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	fakeProc(t, root, "100 0 0 100 0 0 0 0", map[int]string{10: "a-very-long-process-name 7"})
	// Started 5.5 s ago: the snapshots of seconds 1 to 5 are due, and taken before the
	// halt is heeded.
	s := startCPU(root, []string{"a-very-long-process-name"}, time.Now().Add(-5500*time.Millisecond))
	s.halt()
	require.GreaterOrEqual(t, len(s.snaps), 5)
	// /proc cuts a process's name to 15 bytes; the name asked for is cut the same way.
	assert.Equal(t, procTime{"a-very-long-pro", 7}, s.snaps[5].procs[10])
}
