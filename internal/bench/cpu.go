package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// DefaultCPUOf are the processes --cpu measures when it names none: the server and the
// stores of a benchmark run on one machine.
var DefaultCPUOf = []string{"lottery", "mariadbd", "redis-server", "nats-server"}

// procRoot is where the processes' and the machine's times are read.
var procRoot = "/proc"

// CPU is the processor time spent per draw while the draws ran, read from Linux's /proc on
// the load generator's machine: the processes named (the server and its stores, when they
// run beside the bench), the bench itself, and the machine as a whole. The window leaves
// out the run's first sixth (connections opening, caches filling) and its last partial
// second, and divides by the draws answered 200 within it.
type CPU struct {
	From      int          `json:"from_second"`
	To        int          `json:"to_second"`
	Draws     int64        `json:"draws"`
	Processes []ProcessCPU `json:"processes"`
	BenchUs   float64      `json:"bench_us_per_draw"`
	MachineUs float64      `json:"machine_us_per_draw"`
	Busy      float64      `json:"machine_busy"` // share of all the machine's cores, 0–1
	Cores     int          `json:"cores"`
	// Note says why nothing was measured; the figures are zero then.
	Note string `json:"note,omitempty"`
}

// ProcessCPU is the time of every process of one name.
type ProcessCPU struct {
	Name      string  `json:"name"`
	Processes int     `json:"processes"` // how many had that name; 0: none ran
	UsPerDraw float64 `json:"us_per_draw"`
}

// comm is name as /proc gives it: cut to the kernel's 15 bytes.
func comm(name string) string { return name[:min(len(name), 15)] }

// usPerTick is how long a clock tick of /proc's times is: USER_HZ, 100 on Linux.
const usPerTick = 10_000

// cpuSampler reads the processes' and the machine's times at every whole second of a
// phase, so that the window can be chosen once the phase is over.
type cpuSampler struct {
	root  string // "/proc", or a test's copy
	names map[string]bool
	self  int
	snaps map[int]cpuSnap // by seconds since the phase started
	err   error
	stop  chan struct{}
	done  chan struct{}
}

func startCPU(root string, names []string, start time.Time) *cpuSampler {
	s := &cpuSampler{root: root, names: map[string]bool{}, self: os.Getpid(), snaps: map[int]cpuSnap{},
		stop: make(chan struct{}), done: make(chan struct{})}
	for _, n := range names {
		s.names[comm(n)] = true
	}
	go s.loop(start)
	return s
}

// loop takes the snapshot of every second as it falls due; one already due is taken
// before a halt is heeded.
func (s *cpuSampler) loop(start time.Time) {
	defer close(s.done)
	for k := 1; ; k++ {
		if wait := time.Until(start.Add(time.Duration(k) * time.Second)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-s.stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
		snap, err := readCPU(s.root, s.names, s.self)
		if err != nil {
			s.err = err
			return
		}
		s.snaps[k] = snap
	}
}

// halt stops the sampler; call it as the phase ends, so that nothing after it is counted.
func (s *cpuSampler) halt() {
	close(s.stop)
	<-s.done
}

// measure measures over the window that the phase d allows.
func (s *cpuSampler) measure(d *Phase, names []string) *CPU {
	if s.err != nil {
		return &CPU{Note: "not measured: " + s.err.Error()}
	}
	return measureCPU(s.snaps, d, names)
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
		return &CPU{Note: "not measured: the draws took under 3 s"}
	}
	c := &CPU{From: from, To: last, Cores: runtime.NumCPU()}
	for _, p := range points[from:last] {
		c.Draws += p.OK
	}
	if c.Draws == 0 {
		c.Note = "not measured: no draw answered in the window"
		return c
	}
	a, b := snaps[from], snaps[last]
	per := func(ticks int64) float64 { return float64(ticks*usPerTick) / float64(c.Draws) }
	for _, n := range names {
		ticks, count := b.since(a, comm(n))
		c.Processes = append(c.Processes, ProcessCPU{Name: n, Processes: count, UsPerDraw: per(ticks)})
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
	fmt.Fprintf(w, "cpu       per draw answered in seconds %d–%d of the draws (%d draws), from /proc:\n", c.From, c.To, c.Draws)
	parts := make([]string, 0, len(c.Processes)+1)
	for _, p := range c.Processes {
		switch p.Processes {
		case 0:
			parts = append(parts, p.Name+" not running here")
		case 1:
			parts = append(parts, fmt.Sprintf("%s %.0f µs", p.Name, p.UsPerDraw))
		default:
			parts = append(parts, fmt.Sprintf("%s (%d processes) %.0f µs", p.Name, p.Processes, p.UsPerDraw))
		}
	}
	parts = append(parts, fmt.Sprintf("this bench %.0f µs", c.BenchUs))
	fmt.Fprintf(w, "          %s\n", strings.Join(parts, " · "))
	fmt.Fprintf(w, "          the machine %.0f µs a draw, its %d cores %.0f %% busy\n", c.MachineUs, c.Cores, 100*c.Busy)
}
