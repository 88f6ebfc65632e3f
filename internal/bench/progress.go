package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// showProgress draws a live bar on out for phase p until ctx ends: by requests when the
// phase has a count, by seconds when it has a duration.
func showProgress(ctx context.Context, out io.Writer, title string, p *phase) {
	total := p.load.Requests
	if total == 0 {
		total = int64(p.load.Duration / time.Second)
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription(title),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = bar.Finish()
			return
		case <-tick.C:
		}
		elapsed := time.Since(p.started)
		done := p.issued.Load()
		bar.Describe(fmt.Sprintf("%s %6.0f/s", title, float64(done)/elapsed.Seconds()))
		if p.load.Requests > 0 {
			_ = bar.Set64(min(done, total))
		} else {
			_ = bar.Set64(min(int64(elapsed/time.Second), total))
		}
	}
}
