package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// DefaultCPUOf are the processes --cpu measures when it names none: the server and the
// stores of a benchmark run on one machine (mysqld: MySQL, and MariaDB before 10.5).
var DefaultCPUOf = []string{"lottery", "mariadbd", "mysqld", "redis-server", "nats-server"}

// procRoot is where the processes' and the machine's times are read.
const procRoot = "/proc"

// CPU is the processor time spent per draw while the draws ran, read from Linux's /proc on
// the load generator's machine: the processes named (the server and its stores, when they
// run beside the bench), the bench itself, and the machine as a whole. The window leaves
// out the run's first sixth (connections opening, caches filling) and its last partial
// second, and divides by the draws answered 200 within it.
type CPU struct {
	From      int          `json:"from_second"` // the window, in whole seconds since the draws began
	To        int          `json:"to_second"`
	Draws     int64        `json:"draws"` // answered 200 within the window
	Processes []ProcessCPU `json:"processes"`
	BenchUs   float64      `json:"bench_us_per_draw"`
	// MachineUs is every core's busy time (user, system, interrupts; not idle, I/O wait or
	// the time a hypervisor gave to other machines) per draw.
	MachineUs float64 `json:"machine_us_per_draw"`
	Busy      float64 `json:"machine_busy"` // share of all the machine's cores, 0–1
	Cores     int     `json:"cores"`        // the machine's, from /proc/stat
	// Note says why nothing was measured; the figures are zero then.
	Note string `json:"note,omitempty"`
}

// ProcessCPU is the time of every process of one name.
type ProcessCPU struct {
	Name      string  `json:"name"`
	Processes int     `json:"processes"` // how many had that name at the window's end
	UsPerDraw float64 `json:"us_per_draw"`
	// Ended counts those that ended within the window: their time is missing from UsPerDraw.
	Ended int `json:"ended,omitempty"`
}

// comm is name as /proc gives it: cut to the kernel's 15 bytes.
func comm(name string) string { return name[:min(len(name), 15)] }

// usPerTick is how long a clock tick of /proc's times is: USER_HZ, assumed to be 100, as
// it is on every mainstream architecture Linux runs on.
const usPerTick = 10_000

// cpuSampler reads the processes' and the machine's times at every whole second of a
// phase, so that the window can be chosen once the phase is over.
type cpuSampler struct {
	root  string          // "/proc", or a test's copy
	asked []string        // the names, as given
	names map[string]bool // as /proc gives them
	self  int
	snaps map[int]cpuSnap // by seconds since the phase started
	err   error
	stop  chan struct{}
	done  chan struct{}
}

func startCPU(root string, names []string, start time.Time) *cpuSampler {
	s := &cpuSampler{root: root, asked: names, names: map[string]bool{}, self: os.Getpid(), snaps: map[int]cpuSnap{},
		stop: make(chan struct{}), done: make(chan struct{})}
	for _, n := range names {
		s.names[comm(n)] = true
	}
	go s.loop(start)
	return s
}

// loop takes the snapshot of every second as it falls due, until halted; those due by
// the time the halt is seen are still taken (measureCPU leaves out any after the phase).
func (s *cpuSampler) loop(start time.Time) {
	defer close(s.done)
	for k := 1; ; k++ {
		due := start.Add(time.Duration(k) * time.Second)
		if !s.waitUntil(due) && time.Now().Before(due) {
			return
		}
		snap, err := readCPU(s.root, s.names, s.self)
		if err != nil {
			s.err = err
			return
		}
		s.snaps[k] = snap
	}
}

// waitUntil waits for t; false when halted first.
func (s *cpuSampler) waitUntil(t time.Time) bool {
	wait := time.Until(t)
	if wait <= 0 {
		return true
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-s.stop:
		return false
	case <-timer.C:
		return true
	}
}

// halt stops the sampler; call it as the phase ends, so that nothing after it is counted.
func (s *cpuSampler) halt() {
	close(s.stop)
	<-s.done
}

// measure measures over the window that the phase d allows.
func (s *cpuSampler) measure(d *Phase) *CPU {
	if s.err != nil {
		return &CPU{Note: "not measured: " + s.err.Error()}
	}
	return measureCPU(s.snaps, d, s.asked)
}

// measureCPU divides the times between two snapshots taken while the phase d ran by the
// draws answered between them.
func measureCPU(snaps map[int]cpuSnap, d *Phase, names []string) *CPU {
	points, last := d.Timeline, 0
	for k := range snaps {
		if k <= int(d.Seconds) && k <= len(points) {
			last = max(last, k)
		}
	}
	from := max(1, last/6)
	if last-from < 2 {
		return &CPU{Note: "not measured: fewer than 3 whole seconds of draws"}
	}
	c := &CPU{From: from, To: last}
	for _, p := range points[from:last] {
		c.Draws += p.OK
	}
	if c.Draws == 0 {
		c.Note = "not measured: no draw answered in the window"
		return c
	}
	a, b := snaps[from], snaps[last]
	c.Cores = b.cores
	per := func(ticks int64) float64 { return float64(ticks*usPerTick) / float64(c.Draws) }
	for _, n := range names {
		ticks, count, ended := b.since(a, comm(n))
		c.Processes = append(c.Processes, ProcessCPU{Name: n, Processes: count, UsPerDraw: per(ticks), Ended: ended})
	}
	c.BenchUs = per(b.self - a.self)
	c.MachineUs = per(b.busy - a.busy)
	if total := b.total - a.total; total > 0 {
		c.Busy = float64(b.busy-a.busy) / float64(total)
	}
	return c
}

func (c *CPU) print(w io.Writer) {
	if c.Note != "" {
		fmt.Fprintf(w, "cpu       %s\n", c.Note)
		return
	}
	fmt.Fprintf(w, "cpu       per draw answered from %d s to %d s into the draws (%d draws), from /proc:\n", c.From, c.To, c.Draws)
	parts := make([]string, 0, len(c.Processes)+1)
	for _, p := range c.Processes {
		parts = append(parts, p.describe())
	}
	parts = append(parts, fmt.Sprintf("this bench %.0f µs", c.BenchUs))
	fmt.Fprintf(w, "          %s\n", strings.Join(parts, " · "))
	fmt.Fprintf(w, "          the machine %.0f µs a draw, its %d cores %.0f %% busy\n", c.MachineUs, c.Cores, 100*c.Busy)
}

func (p ProcessCPU) describe() string {
	var out string
	switch p.Processes {
	case 0:
		out = p.Name + " none seen"
	case 1:
		out = fmt.Sprintf("%s %.0f µs", p.Name, p.UsPerDraw)
	default:
		out = fmt.Sprintf("%s (%d processes) %.0f µs", p.Name, p.Processes, p.UsPerDraw)
	}
	switch {
	case p.Ended == 1:
		out += " (1 ended in the window: its time is not counted)"
	case p.Ended > 1:
		out += fmt.Sprintf(" (%d ended in the window: their time is not counted)", p.Ended)
	}
	return out
}
