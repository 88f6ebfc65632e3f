package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/token"
)

// statLine is a /proc/PID/stat line of the given name, user + system ticks and start.
func statLine(pid int, name string, ticks, start int64) string {
	return fmt.Sprintf("%d (%s) S 1 1 1 0 -1 4194560 5 0 0 0 %d 0 0 0 20 0 1 0 %d 1000 10 18446744073709551615\n",
		pid, name, ticks, start)
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	p, err := parseProcStat([]byte("4242 (redis-server) S 1 4242 4242 0 -1 4194560 5 0 0 0 1200 345 0 0 20 0 5 0 8812 9000 100 18446744073709551615 1 1\n"))
	require.NoError(t, err)
	assert.Equal(t, procTime{name: "redis-server", ticks: 1545, start: 8812}, p)

	// A name may hold spaces and parentheses: the fields count from its last ')'.
	p, err = parseProcStat([]byte(statLine(7, "a (b) c", 15, 3)))
	require.NoError(t, err)
	assert.Equal(t, procTime{name: "a (b) c", ticks: 15, start: 3}, p)

	for _, bad := range []string{"", "7 no-parens S 1", "7 (x) S 1 2 3", "7 (x) S 1 7 7 0 -1 0 0 0 0 0 ten 5 0 0 20 0 1 0 3 0"} {
		_, err := parseProcStat([]byte(bad))
		assert.Error(t, err, bad)
	}
}

// fakeProc writes a /proc: the machine's ticks (user nice system idle iowait irq softirq
// steal), two cores, and processes by pid.
func fakeProc(t *testing.T, root, machine string, procs map[int]procTime) {
	t.Helper()
	stat := "cpu  " + machine + " 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\ncpu1 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n"
	require.NoError(t, os.WriteFile(filepath.Join(root, "stat"), []byte(stat), 0o644))
	for pid, p := range procs {
		dir := filepath.Join(root, strconv.Itoa(pid))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		// The kernel cuts the name to 15 bytes.
		line := statLine(pid, p.name[:min(len(p.name), 15)], p.ticks, p.start)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(line), 0o644))
	}
}

func TestReadCPU(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	fakeProc(t, root, "100 5 50 800 10 3 2 7", map[int]procTime{
		10: {"mariadbd", 1, 700}, 11: {"lottery", 2, 300}, 12: {"bash", 3, 9}, 99: {"lottery", 4, 40}})
	// Entries that are not processes, and a process whose stat this cannot read, are
	// passed over.
	require.NoError(t, os.MkdirAll(filepath.Join(root, "self"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "13"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "13", "stat"), []byte("13 (lottery) Z"), 0o644))

	s, err := readCPU(root, map[string]bool{"lottery": true, "mariadbd": true}, 99)
	require.NoError(t, err)
	assert.Equal(t, int64(160), s.busy, "user nice system irq softirq; not idle, iowait or steal")
	assert.Equal(t, int64(977), s.total)
	assert.Equal(t, 2, s.cores)
	assert.Equal(t, int64(40), s.self, "the bench's own process, whatever its name")
	assert.Equal(t, map[int]procTime{10: {"mariadbd", 1, 700}, 11: {"lottery", 2, 300}}, s.procs)

	_, err = readCPU(filepath.Join(root, "missing"), nil, 99)
	assert.ErrorContains(t, err, "Linux only")
	for _, bad := range []string{"intr 1 2\n", "cpu 1 2 3\n", "cpu 1 2 3 x 5 6 7 8\n"} {
		path := filepath.Join(t.TempDir(), "stat")
		require.NoError(t, os.WriteFile(path, []byte(bad), 0o644))
		_, _, _, err := readMachine(path)
		assert.Error(t, err, bad)
	}
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
	assert.Positive(t, s.cores)
}

func TestMeasureCPU(t *testing.T) {
	t.Parallel()
	snaps := map[int]cpuSnap{}
	for k := 1; k <= 20; k++ {
		snaps[k] = cpuSnap{self: int64(10 * k), busy: int64(1000 * k), total: int64(2000 * k), cores: 2,
			procs: map[int]procTime{1: {"lottery", 5, int64(40 * k)}, 2: {"mariadbd", 5, int64(20 * k)}}}
	}
	// Between the window's ends a second server process starts, a Redis ends, and another
	// takes the pid of one that ended (its start differs); one of another name never counts.
	snaps[3].procs[5] = procTime{"redis-server", 5, 100}
	snaps[3].procs[6] = procTime{"redis-server", 5, 100}
	snaps[20].procs[3] = procTime{"lottery", 900, 50}
	snaps[20].procs[6] = procTime{"redis-server", 950, 30}
	snaps[20].procs[4] = procTime{"bash", 5, 5000}
	points := make([]Point, 21) // the last second is the one the phase ended in
	for i := range points {
		points[i].OK = 100
	}
	c := measureCPU(snaps, &Phase{Seconds: 20.02, Timeline: points}, []string{"lottery", "mariadbd", "redis-server", "nats-server"})

	assert.Empty(t, c.Note)
	assert.Equal(t, 3, c.From, "the first sixth is left out")
	assert.Equal(t, 20, c.To)
	assert.Equal(t, int64(1700), c.Draws)
	// lottery: 17 s × 40 ticks + 50 for the new process = 730 ticks = 7.3 s over 1,700
	// draws; mariadbd 340 ticks; redis-server 30 of the new one; the bench 170; the
	// machine 17,000 of 34,000.
	assert.Equal(t, []ProcessCPU{{"lottery", 2, 4294.117647058823, 0}, {"mariadbd", 1, 2000, 0},
		{"redis-server", 1, 176.47058823529412, 2}, {"nats-server", 0, 0, 0}}, c.Processes)
	assert.InDelta(t, 1000, c.BenchUs, 1e-9)
	assert.InDelta(t, 100000, c.MachineUs, 1e-9)
	assert.InDelta(t, 0.5, c.Busy, 1e-9)
	assert.Equal(t, 2, c.Cores)

	var out bytes.Buffer
	c.print(&out)
	assert.Contains(t, out.String(), "from 3 s to 20 s into the draws (1700 draws)")
	assert.Contains(t, out.String(), "lottery (2 processes) 4294 µs · mariadbd 2000 µs · "+
		"redis-server 176 µs (2 ended in the window: their time is not counted) · nats-server none seen · this bench 1000 µs")
	assert.Contains(t, out.String(), "the machine 100000 µs a draw, its 2 cores 50 % busy")

	// Snapshots after the phase ended are not used; a phase under 3 s, or a window in
	// which nothing was answered, is not measured, and says so.
	assert.Equal(t, 10, measureCPU(snaps, &Phase{Seconds: 10.5, Timeline: points[:11]}, nil).To)
	short := measureCPU(snaps, &Phase{Seconds: 2.5, Timeline: points[:3]}, nil)
	assert.Equal(t, "not measured: fewer than 3 whole seconds of draws", short.Note)
	none := measureCPU(snaps, &Phase{Seconds: 20.02, Timeline: make([]Point, 21)}, nil)
	assert.Equal(t, "not measured: no draw answered in the window", none.Note)
	out.Reset()
	none.print(&out)
	assert.Equal(t, "cpu       not measured: no draw answered in the window\n", out.String())
}

func TestCPUSampler(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	fakeProc(t, root, "100 0 0 100 0 0 0 0", map[int]procTime{10: {"a-very-long-process-name", 1, 7}})

	// Started 5.5 s ago: the snapshots of seconds 1 to 5 are due, and taken before the
	// halt is heeded.
	s := startCPU(root, []string{"a-very-long-process-name"}, time.Now().Add(-5500*time.Millisecond))
	s.halt()
	require.GreaterOrEqual(t, len(s.snaps), 5)
	// /proc cuts a process's name to 15 bytes; the name asked for is cut the same way.
	assert.Equal(t, procTime{"a-very-long-pro", 1, 7}, s.snaps[5].procs[10])

	// Halted while it waits for its first second: it stops at once, with nothing taken.
	s = startCPU(root, nil, time.Now())
	s.halt()
	assert.Empty(t, s.snaps)

	// Without a /proc it says why.
	s = startCPU(filepath.Join(root, "missing"), nil, time.Now().Add(-time.Second))
	s.halt()
	c := s.measure(&Phase{Seconds: 10})
	assert.Equal(t, "not measured: no /proc here (Linux only)", c.Note)
}

// TestRunMeasuresTheCPUOfItsDraws runs the draws with --cpu for a little over the 3 s a
// measure needs, against a fake server in this process.
func TestRunMeasuresTheCPUOfItsDraws(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc here")
	}
	_, srv := newFakeServer(t, false)
	r, err := Run(context.Background(), Options{
		URL: srv.URL, ActivityID: 7, Users: 50, Load: Load{Concurrency: 2, Duration: 3200 * time.Millisecond},
		Timeout: 5 * time.Second, Keys: token.NewKeys(testSecret), CPUOf: []string{"no-such-process"},
	})
	require.NoError(t, err)
	require.NotNil(t, r.CPU)
	assert.Empty(t, r.CPU.Note)
	assert.Equal(t, 1, r.CPU.From)
	assert.Equal(t, 3, r.CPU.To)
	assert.Positive(t, r.CPU.Draws)
	assert.Equal(t, []ProcessCPU{{Name: "no-such-process"}}, r.CPU.Processes)
	assert.Positive(t, r.CPU.Cores)
}
