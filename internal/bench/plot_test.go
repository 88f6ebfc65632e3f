package bench

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlotIsWellFormedSVGWithBothCharts(t *testing.T) {
	t.Parallel()
	cases := map[string][]Point{
		"a run":      {{0, 900, 0, 3, 9}, {1, 1000, 2, 3.5, 12}, {2, 950, 0, 3.2, 900}, {3, 990, 1, 3.1, 10}},
		"one second": {{0, 10, 0, 1, 2}},
		"no answers": {{0, 0, 5, 0, 0}},
		"empty":      nil,
	}
	for name, pts := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := &Report{ActivityID: "7<&>", Users: 10, Concurrency: 4, Draws: &Phase{Timeline: pts}}
			path := filepath.Join(t.TempDir(), "run.svg")
			require.NoError(t, r.WritePlot(path))
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			dec := xml.NewDecoder(strings.NewReader(string(b)))
			for {
				_, err := dec.Token()
				if err == io.EOF {
					break
				}
				require.NoError(t, err, "the SVG parses as XML")
			}
			svg := string(b)
			assert.Contains(t, svg, "requests per second")
			assert.Contains(t, svg, "latency per second")
			assert.Contains(t, svg, "seconds since start")
			if len(pts) > 0 && pts[0].OK > 0 {
				assert.Equal(t, 4, strings.Count(svg, "<polyline"), "two lines per chart")
			}
		})
	}
	assert.Error(t, (&Report{}).WritePlot(filepath.Join(t.TempDir(), "x.svg")), "nothing to plot without a draws phase")
}
