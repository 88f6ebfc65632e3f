package bench

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// Plot geometry: two charts stacked, sharing the time axis.
const (
	plotW, plotH    = 960, 620
	marginL, margin = 80, 30
	chartH          = 220
	chartGap        = 80
)

// series is one line of a chart.
type series struct {
	name   string
	color  string
	values []float64
}

// WritePlot draws the draws phase over time as an SVG file: throughput per second on top,
// latency p50 and p99 per second below.
func (r *Report) WritePlot(path string) error {
	if r.Draws == nil {
		return fmt.Errorf("plot: the report has no draws phase")
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := r.plot(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (r *Report) plot(w io.Writer) error {
	pts := r.Draws.Timeline
	ok, failed, p50, p99 := make([]float64, len(pts)), make([]float64, len(pts)), make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		ok[i], failed[i], p50[i], p99[i] = float64(p.OK), float64(p.Failed), p.P50Ms, p.P99Ms
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">Lottery bench: activity %s, %d users, %d concurrent — %.0f draws/s, p99 %.1f ms</text>`+"\n",
		marginL, esc(r.ActivityID), r.Users, r.Concurrency, r.Draws.PerSecond, r.Draws.P99Ms)
	top := margin + 30
	chart(&b, top, "requests per second", "req/s", false, []series{
		{"answered 200", "#1f77b4", ok}, {"errors", "#d62728", failed},
	})
	chart(&b, top+chartH+chartGap, "latency per second", "ms", true, []series{
		{"p50", "#2ca02c", p50}, {"p99", "#ff7f0e", p99},
	})
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// chart draws axes, ticks, labels, a legend and the lines of ss with its top at y0. With
// clip, the scale follows the bulk of the values rather than the worst second (a single
// stall would flatten everything else) and what lies above is drawn at the top.
func chart(b *strings.Builder, y0 int, title, unit string, clip bool, ss []series) {
	x0, x1, y1 := marginL, plotW-margin, y0+chartH
	n, top := 0, 0.0
	var all []float64
	for _, s := range ss {
		n = max(n, len(s.values))
		all = append(all, s.values...)
		for _, v := range s.values {
			top = math.Max(top, v)
		}
	}
	if clip && len(all) > 0 {
		slices.Sort(all)
		if bulk := 1.5 * all[len(all)*9/10]; bulk > 0 && bulk < top {
			top = bulk
			title += fmt.Sprintf(" (scale clipped at %s %s; worst second %s %s)", tick(niceCeil(top)), unit, tick(all[len(all)-1]), unit)
		}
	}
	top = niceCeil(top)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, y0-10, esc(title))
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", x0, y1, x1, y1)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", x0, y0, x0, y1)
	for i := 0; i <= 5; i++ {
		v := top * float64(i) / 5
		y := float64(y1) - float64(chartH)*float64(i)/5
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x1, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-6, y+4, tick(v))
	}
	span := max(n-1, 1)
	step := max(int(niceCeil(float64(span)/10)), 1)
	for sec := 0; sec <= span; sec += step {
		x := float64(x0) + float64(x1-x0)*float64(sec)/float64(span)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>`+"\n", x, y1, x, y1+5)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x, y1+18, sec)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">seconds since start</text>`+"\n", (x0+x1)/2, y1+36)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" transform="rotate(-90 %d %d)">%s</text>`+"\n",
		18, (y0+y1)/2, 18, (y0+y1)/2, esc(unit))
	for k, s := range ss {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			x1-220+k*110, y0-16, s.color, x1-204+k*110, y0-10, esc(s.name))
		if len(s.values) == 0 || top == 0 {
			continue
		}
		var pts []string
		for i, v := range s.values {
			x := float64(x0) + float64(x1-x0)*float64(i)/float64(span)
			y := float64(y1) - float64(chartH)*math.Min(v, top)/top
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", s.color, strings.Join(pts, " "))
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, so the ticks are round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func tick(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
