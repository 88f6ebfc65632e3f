package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setInput sets an input's value and fires input, as typing would.
func setInput(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event("input", { bubbles: true })); return 0 })()`, sel, value), nil)
}

// instant parses an RFC 3339 time from the API.
func instant(t *testing.T, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "a time string, got %v", v)
	at, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return at
}

// TestConsoleActivityWindowInItsTimeZone: a marketer whose browser is in Berlin enters the
// window of a Shanghai activity in Shanghai time and sees it listed so, with the zone
// named; an edit that leaves the times alone keeps them to the millisecond.
func TestConsoleActivityWindowInItsTimeZone(t *testing.T) {
	ctx, con := startConsole(t)
	mia := con.client("mia", "marketer")
	note := noteAward(mia)
	require.NoError(t, chromedp.Run(ctx, emulation.SetTimezoneOverride("Europe/Berlin")))

	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))

	const beginLabel = `#activity-form [data-field="begin_at"] label`
	const endLabel = `#activity-form [data-field="end_at"] label`
	var id string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		signInAs(mia.token),
		chromedp.Navigate(con.base+"/console/#/activities"),
		waitTrue(`Intl.DateTimeFormat().resolvedOptions().timeZone === "Europe/Berlin"`),
		exists("#activity-form .pct"),
		waitTrue(`document.querySelector("#activity-form .award").options.length > 0`),
		// A new activity starts in the browser's zone, and the labels say so.
		valueIs(`#activity-form [name="time_zone"]`, "Europe/Berlin"),
		textHas(beginLabel, "Begins (Europe/Berlin time)"),
		waitTrue(`document.querySelector('#activity-form [name="begin_at"]').step === "1"`),
		// Where Berlin's clocks change, the note under the field says how the time is read.
		setInput(`#activity-form [name="begin_at"]`, "2027-03-28T02:30"),
		textHas(`#activity-form [data-field="begin_at"] .zone-note`, "the clocks skip this time in Europe/Berlin: it is read as 2027-03-28 03:30"),
		setInput(`#activity-form [name="begin_at"]`, "2027-10-31T02:30"),
		textHas(`#activity-form [data-field="begin_at"] .zone-note`, "UTC+02:00 · it occurs twice in Europe/Berlin: this is the first"),
		// A zone the browser does not know falls back to UTC, saying so.
		setInput(`#activity-form [name="time_zone"]`, "Mars/Olympus"),
		textHas(beginLabel, "Begins (UTC: “Mars/Olympus” is not a time zone this browser knows)"),
		chromedp.SetValue(`#activity-form [name="name"]`, "Singles' day", chromedp.ByQuery),
		setInput(`#activity-form [name="time_zone"]`, "Asia/Shanghai"),
		textHas(beginLabel, "Begins (Asia/Shanghai time)"),
		textHas(endLabel, "Ends (Asia/Shanghai time)"),
		setInput(`#activity-form [name="begin_at"]`, "2027-11-11T00:00:00"),
		setInput(`#activity-form [name="end_at"]`, "2027-11-12T00:00:00"),
		textHas(`#activity-form [data-field="begin_at"] .zone-note`, "UTC+08:00 · 2027-11-10 17:00 your time (Europe/Berlin)"),
		chromedp.SendKeys("#activity-form .pct", "1.5", chromedp.ByQuery),
		chromedp.SetValue("#activity-form .pstock", "10", chromedp.ByQuery),
		screenshot(t, shots, "activity-zone-1280.png", 1280),
		chromedp.EmulateViewport(1280, 900),
		click(`#activity-form button[type="submit"]`),
		exists(`#activity-detail [data-action="submit"]`),
		chromedp.Evaluate(`document.querySelector("#activity-card").dataset.id`, &id),
		textHas("#activity-window", "2027-11-11 00:00 – 2027-11-12 00:00 Asia/Shanghai"),
	))
	require.NotEmpty(t, id)
	require.NoError(t, chromedp.Run(ctx,
		textHas(fmt.Sprintf(`#activities-table tr[data-id="%s"] .window`, id), "2027-11-11 00:00 – 2027-11-12 00:00 Asia/Shanghai"),
	))
	stored := mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/activities/"+id, nil)
	assert.Equal(t, "Asia/Shanghai", stored["time_zone"])
	assert.True(t, time.Date(2027, 11, 10, 16, 0, 0, 0, time.UTC).Equal(instant(t, stored["begin_at"])), "begin_at %v", stored["begin_at"])
	assert.True(t, time.Date(2027, 11, 11, 16, 0, 0, 0, time.UTC).Equal(instant(t, stored["end_at"])), "end_at %v", stored["end_at"])

	// The conversions themselves, where Berlin's clocks change and below the second.
	var got map[string]any
	require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(`import("/console/dom.js").then((m) => ({
		skipped: m.zonedTime("2027-03-28T02:30", "Europe/Berlin"),
		twice: m.zonedTime("2027-10-31T02:30", "Europe/Berlin"),
		millis: m.zonedTime("2027-11-11T23:59:59.999", "Asia/Shanghai").text,
		micros: m.wallClock(Date.parse("2027-11-11T23:59:59.999999+08:00"), "Asia/Shanghai"),
	}))`, &got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })))
	skipped, twice := got["skipped"].(map[string]any), got["twice"].(map[string]any)
	assert.Equal(t, "2027-03-28T02:30:00+01:00", skipped["text"], "a skipped time is read with the offset before the change")
	assert.Equal(t, true, skipped["skipped"])
	assert.Equal(t, float64(time.Date(2027, 3, 28, 1, 30, 0, 0, time.UTC).UnixMilli()), skipped["at"])
	assert.Equal(t, "2027-10-31T02:30:00+02:00", twice["text"], "a time that occurs twice is the first")
	assert.Equal(t, true, twice["twice"])
	assert.Equal(t, "2027-11-11T23:59:59.999+08:00", got["millis"])
	assert.Equal(t, "2027-11-11T23:59:59.999", got["micros"])

	// An activity ending at the last millisecond of its day keeps it through an edit of
	// its name: the form shows the millisecond and sends the stored times back unchanged.
	last := mia.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/activities", map[string]any{
		"name": "Last millisecond", "kind": "lottery",
		"begin_at": "2027-11-11T00:00:00+08:00", "end_at": "2027-11-11T23:59:59.999+08:00", "time_zone": "Asia/Shanghai",
		"stock": 100, "limits": map[string]any{"per_user_daily": 1},
		"strategy": map[string]any{"mode": "fixed", "prizes": []any{
			map[string]any{"award_id": note, "probability": "0.015", "stock": 10}}},
	})["id"].(string)
	row := fmt.Sprintf(`#activities-table tr[data-id="%s"]`, last)
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Reload(),
		waitTrue(`Intl.DateTimeFormat().resolvedOptions().timeZone === "Europe/Berlin"`),
		exists(row),
		textHas(row+" .window", "2027-11-11 00:00 – 2027-11-11 23:59:59.999 Asia/Shanghai"),
		screenshot(t, shots, "activities-zone-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
		click(row+" button.open"),
		textHas("#activity-card h3", "Last millisecond"),
		click("#activity-edit"),
		textHas("#activity-form h3", "Edit “Last millisecond” (draft)"),
		valueIs(`#activity-form [name="begin_at"]`, "2027-11-11T00:00"),
		valueIs(`#activity-form [name="end_at"]`, "2027-11-11T23:59:59.999"),
		waitTrue(`document.querySelector('#activity-form [name="end_at"]').step === "0.001"`),
		textHas(endLabel, "Ends (Asia/Shanghai time)"),
		chromedp.SetValue(`#activity-form [name="name"]`, "Last millisecond v2", chromedp.ByQuery),
		click(`#activity-form button[type="submit"]`),
		textHas("#activity-form .ok", "Saved “Last millisecond v2”"),
	))
	stored = mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/activities/"+last, nil)
	assert.Equal(t, "Last millisecond v2", stored["name"])
	assert.Equal(t, 2.0, stored["version"])
	assert.Equal(t, "2027-11-11T00:00:00+08:00", stored["begin_at"])
	assert.Equal(t, "2027-11-11T23:59:59.999+08:00", stored["end_at"])
}
