package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unlabelled counts the form controls in the view that have neither a label nor an
// aria-label, so a screen reader would announce them without a name.
const unlabelled = `[...document.querySelectorAll("#view input, #view select, #view textarea")]
	.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).length`

// pressEnter focuses a control and activates it from the keyboard.
func pressEnter(sel string) chromedp.Tasks {
	return chromedp.Tasks{chromedp.Focus(sel, chromedp.ByQuery), chromedp.KeyEvent(kb.Enter)}
}

func valueIs(sel, want string) chromedp.Action {
	return waitTrue(fmt.Sprintf(`document.querySelector(%q)?.value === %q`, sel, want))
}

// clearValue empties an input; chromedp.SetValue cannot set "".
func clearValue(sel string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel), nil)
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// noteAward creates a text award through the API and returns its id.
func noteAward(c *client) string {
	return c.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/awards", map[string]any{
		"name": "Thank-you note", "kind": "text", "content": map[string]any{"text": "Thanks!"}})["id"].(string)
}

func TestConsoleForbiddenCodesAndEditing(t *testing.T) {
	ctx, con := startConsole(t)
	mia := con.client("mia", "marketer")
	ada := con.client("ada", "admin")
	dave := con.client("dave", "user")

	note := noteAward(mia)
	codes := mia.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/awards", map[string]any{
		"name": "Welcome codes", "kind": "redeem_code", "content": map[string]any{}})["id"].(string)
	slots := map[string]any{"plan": "slots", "slots": []any{
		map[string]any{"at": "2030-11-11T00:00:00+08:00", "amount": 5},
		map[string]any{"at": "2030-11-11T12:00:00+08:00", "amount": 5}}}
	wheel := mia.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/activities", map[string]any{
		"name": "Spring wheel", "kind": "lottery",
		"begin_at": "2030-11-11T00:00:00+08:00", "end_at": "2030-11-12T00:00:00+08:00", "time_zone": "Asia/Shanghai",
		"stock": 100, "limits": map[string]any{"per_user_total": 5, "per_user_daily": 1},
		"strategy": map[string]any{"mode": "fixed", "prizes": []any{
			map[string]any{"award_id": note, "probability": "0.015", "stock": 10, "daily_quota": 4, "release": map[string]any{"plan": "even"}},
			map[string]any{"award_id": codes, "probability": "0.2", "stock": 10, "release": slots}}},
	})["id"].(string)

	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))

	// A token without the marketer or admin role is let in as far as the server's 403,
	// which sends the user back to sign-in with the server's reason and forgets the token.
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		submitToken(dave.token),
		textHas("#signin-reason", "Not allowed: this needs one of the roles marketer, admin (forbidden)"),
		backAtSignIn(),
		screenshot(t, shots, "signin-forbidden-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
	))

	// Redeem codes come from a file; the page shows the server's added and duplicate
	// counts, and a refused line is shown at the file field.
	row := fmt.Sprintf(`#awards-table tr[data-codes-for="%s"]`, codes)
	file := writeFile(t, "codes.csv", "WELCOME-1\nWELCOME-2\nWELCOME-1\n")
	blank := writeFile(t, "blank.csv", "WELCOME-9\n   \n")
	require.NoError(t, chromedp.Run(ctx,
		signInAs(mia.token),
		exists(row+` input[type="file"]`),
		click(row+" .codes button"),
		textHas(row+" .codes", "Choose a file first."),
		chromedp.SetUploadFiles(row+` input[type="file"]`, []string{file}, chromedp.ByQuery),
		click(row+" .codes button"),
		textHas(row+" .codes-result", "Added 2, duplicates 1."),
		click(row+" .codes button"),
		textHas(row+" .codes-result", "Added 0, duplicates 3."),
		chromedp.SetUploadFiles(row+` input[type="file"]`, []string{blank}, chromedp.ByQuery),
		click(row+" .codes button"),
		exists(row+` [data-field="codes"] .field-error`),
		textHas(row+" .form-error", "invalid"),
		waitTrue(`!document.querySelector(`+fmt.Sprintf("%q", row+" .codes-result")+`)?.textContent`),
		screenshot(t, shots, "awards-codes-1280.png", 1280),
		screenshot(t, shots, "awards-codes-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
	))
	// The browser's codes reached the server: only WELCOME-3 is new. The refused file
	// stored nothing, so WELCOME-9 is new too.
	got := mia.must(http.StatusOK, http.MethodPost, "/api/v1/admin/awards/"+codes+"/codes",
		map[string]any{"codes": []string{"WELCOME-2", "WELCOME-3", "WELCOME-9"}})
	assert.Equal(t, map[string]any{"added": 2.0, "duplicates": 1.0, "in_other_awards": 0.0}, got)
	// Submitting asks for as many codes as the prize's stock of 10.
	mia.must(http.StatusOK, http.MethodPost, "/api/v1/admin/awards/"+codes+"/codes",
		map[string]any{"codes": []string{"WELCOME-4", "WELCOME-5", "WELCOME-6", "WELCOME-7", "WELCOME-8", "WELCOME-10"}})

	// The marketer edits an award from the keyboard: its kind is locked, a 422 lands at
	// the field with everything typed kept, and the fixed award is saved with PUT.
	noteRow := fmt.Sprintf(`#awards-table tr[data-id="%s"]`, note)
	require.NoError(t, chromedp.Run(ctx,
		pressEnter(noteRow+" button.edit"),
		textHas("#award-form h3", "Edit “Thank-you note” (text)"),
		waitTrue(`document.activeElement === document.querySelector('#award-form [name="name"]')`),
		waitTrue(`document.querySelector('#award-form [name="kind"]').disabled`),
		valueIs(`#award-form [name="content.text"]`, "Thanks!"),
		chromedp.SetValue(`#award-form [name="name"]`, "Thank-you card", chromedp.ByQuery),
		clearValue(`#award-form [name="content.text"]`),
		click(`#award-form button[type="submit"]`),
		exists(`#award-form [data-field="content.text"] .field-error`),
		valueIs(`#award-form [name="name"]`, "Thank-you card"),
		textHas("#award-form h3", "Edit"),
		screenshot(t, shots, "award-edit-problem-1280.png", 1280),
		screenshot(t, shots, "award-edit-problem-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
		chromedp.SetValue(`#award-form [name="content.text"]`, "Thanks a lot!\nSee you.", chromedp.ByQuery),
		click(`#award-form button[type="submit"]`),
		textHas(noteRow, "Thank-you card"),
		textHas("#award-form h3", "New award"),
		textHas("#award-form .ok", "Saved “Thank-you card”"),
		waitTrue(`!document.querySelector('#award-form [name="kind"]').disabled`),
		// Cancelling an edit empties the form back to a new award.
		click(fmt.Sprintf(`#awards-table tr[data-id="%s"] button.edit`, codes)),
		textHas("#award-form h3", "Edit “Welcome codes” (redeem_code)"),
		valueIs(`#award-form [name="name"]`, "Welcome codes"),
		pressEnter("#award-cancel"),
		textHas("#award-form h3", "New award"),
		valueIs(`#award-form [name="name"]`, ""),
		waitTrue(`!document.querySelector('#award-form [name="kind"]').disabled && getComputedStyle(document.querySelector("#award-cancel")).display === "none"`),
	))
	var count int
	require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(unlabelled, &count)))
	assert.Zero(t, count, "every control in the awards view has a label")
	saved := mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/awards/"+note, nil)
	assert.Equal(t, "Thank-you card", saved["name"])
	assert.Equal(t, map[string]any{"text": "Thanks a lot!\nSee you."}, saved["content"], "line breaks kept")

	// Past a hundred awards, the list reads every page: the newest is there too.
	var last string
	for i := range 100 {
		last = mia.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/awards", map[string]any{
			"name": fmt.Sprintf("Sticker %d", i), "kind": "text", "content": map[string]any{"text": "a sticker"}})["id"].(string)
	}
	require.NoError(t, chromedp.Run(ctx,
		click("#awards-refresh"),
		exists(fmt.Sprintf(`#awards-table tr[data-id="%s"]`, last)),
	))

	// The marketer edits the draft activity in the creation form: values come back as
	// typed (1.5 %, limits, quota, even release), a bad time zone is refused at its field
	// without losing the edits, and the fixed version is saved with PUT.
	openRow := fmt.Sprintf(`#activities-table tr[data-id="%s"] button.open`, wheel)
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console/#/activities"),
		exists("#activity-form .pct"),
		exists(openRow),
		click(openRow),
		textHas("#activity-card", "Thank-you card: 1.5 % (“0.015”), stock 10, 4/day, release even"),
		pressEnter("#activity-edit"),
		textHas("#activity-form h3", "Edit “Spring wheel” (draft)"),
		waitTrue(`document.activeElement === document.querySelector('#activity-form [name="name"]')`),
		valueIs(`#activity-form [name="name"]`, "Spring wheel"),
		valueIs(`#activity-form [name="time_zone"]`, "Asia/Shanghai"),
		valueIs(`#activity-form [name="limits.per_user_daily"]`, "1"),
		valueIs("#activity-form .prize:nth-child(1) .pct", "1.5"),
		valueIs("#activity-form .prize:nth-child(1) .quota", "4"),
		valueIs("#activity-form .prize:nth-child(2) .pct", "20"),
		waitTrue(`document.querySelector("#activity-form .prize:nth-child(1) .even").checked`),
		textHas("#activity-form .prize:nth-child(2)", "Release plan “slots” is kept as it is."),
		textHas("#odds-sum", "21.5 %"),
		chromedp.SetValue(`#activity-form [name="name"]`, "Spring wheel v2", chromedp.ByQuery),
		chromedp.SetValue("#activity-form .prize:nth-child(1) .pstock", "25", chromedp.ByQuery),
		chromedp.SetValue(`#activity-form [name="time_zone"]`, "Mars/Olympus", chromedp.ByQuery),
		click(`#activity-form button[type="submit"]`),
		textHas(`#activity-form [data-field="time_zone"] .field-error`, "unknown time zone"),
		valueIs(`#activity-form [name="name"]`, "Spring wheel v2"),
		valueIs("#activity-form .prize:nth-child(1) .pstock", "25"),
		textHas("#activity-form h3", "Edit"),
		screenshot(t, shots, "activity-edit-problem-1280.png", 1280),
		screenshot(t, shots, "activity-edit-problem-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
		chromedp.SetValue(`#activity-form [name="time_zone"]`, "Asia/Shanghai", chromedp.ByQuery),
		click(`#activity-form button[type="submit"]`),
		textHas("#activity-card h3", "Spring wheel v2"),
		textHas("#activity-card", "Thank-you card: 1.5 % (“0.015”), stock 25, 4/day, release even"),
		textHas("#activity-card", "Welcome codes: 20 % (“0.2”), stock 10, release slots"),
		textHas("#activities-table", "Spring wheel v2"),
		textHas("#activity-form h3", "New activity"),
		textHas("#activity-form .ok", "Saved “Spring wheel v2”"),
	))
	require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(unlabelled, &count)))
	assert.Zero(t, count, "every control in the activities view has a label")
	stored := mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/activities/"+wheel, nil)
	assert.Equal(t, "Spring wheel v2", stored["name"])
	assert.Equal(t, 2.0, stored["version"])
	prizes := stored["strategy"].(map[string]any)["prizes"].([]any)
	assert.Equal(t, 25.0, prizes[0].(map[string]any)["stock"])
	assert.Equal(t, "0.015", prizes[0].(map[string]any)["probability"])
	assert.Equal(t, map[string]any{"per_user_total": 5.0, "per_user_daily": 1.0}, stored["limits"])
	assert.Len(t, prizes[1].(map[string]any)["release"].(map[string]any)["slots"], 2, "the slots plan survived the edit")
	assert.Equal(t, "2030-11-11T00:00:00+08:00", stored["begin_at"])

	// Once submitted it cannot be edited; after an admin rejects it, it can again.
	require.NoError(t, chromedp.Run(ctx,
		click(`#activity-detail [data-action="submit"]`),
		textHas("#activity-state", "pending_review"),
		waitTrue(`!document.querySelector("#activity-edit")`),
	))
	ada.must(http.StatusOK, http.MethodPost, "/api/v1/admin/activities/"+wheel+"/transitions",
		map[string]any{"action": "reject", "reason": "odds too generous"})
	require.NoError(t, chromedp.Run(ctx,
		click(openRow),
		textHas("#activity-state", "rejected"),
		pressEnter("#activity-edit"),
		textHas("#activity-form h3", "Edit “Spring wheel v2” (rejected)"),
		clearValue("#activity-form .prize:nth-child(2) .pct"),
		chromedp.SendKeys("#activity-form .prize:nth-child(2) .pct", "5", chromedp.ByQuery),
		textHas("#odds-sum", "6.5 %"),
		click(`#activity-form button[type="submit"]`),
		textHas("#activity-card", "Welcome codes: 5 % (“0.05”), stock 10, release slots"),
		textHas("#activity-state", "rejected"),
		screenshot(t, shots, "activity-rejected-edited-1280.png", 1280),
		screenshot(t, shots, "activity-rejected-edited-390.png", 390),
	))
}

// stillSignedIn checks that the console kept its token and shows the signed-in page.
func stillSignedIn() chromedp.Action {
	return waitTrue(`!!sessionStorage.getItem("lottery.token") && document.querySelector("#signin").hidden &&
		!document.querySelector("#nav").hidden && !document.querySelector("#view").hidden`)
}

// callFromPage runs call, a JavaScript expression for a promise, in the page and waits for it
// to settle; window.__settled then holds {ok: true} or, for a rejection, the error's status,
// code, details and whether the console took it as refusing the token.
func callFromPage(call string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(`window.__settled = null; (`+call+`).then(
			() => { window.__settled = { ok: true }; },
			(e) => { window.__settled = { ok: false, status: e.status, code: e.code, details: e.details, refusesToken: e.refusesToken }; }); 0`, nil),
		waitTrue(`window.__settled !== null`),
	}
}

// TestConsoleSeparationOfDuties: an admin does not review their own activity. The console
// does not offer it, and when the action is forced anyway the server's 403 is shown at the
// action while the user stays signed in; only a 403 for the whole route signs out.
func TestConsoleSeparationOfDuties(t *testing.T) {
	ctx, con := startConsole(t)
	ada := con.client("ada", "admin")
	bob := con.client("bob", "admin")
	mia := con.client("mia", "marketer")
	dave := con.client("dave", "user")
	noteAward(ada)

	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))

	// Ada, an admin, creates an activity and submits it: Approve and Reject are not offered,
	// a note says another admin must review it, and she may still revoke it.
	var id string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		signInAs(ada.token),
		chromedp.Navigate(con.base+"/console/#/activities"),
		exists("#activity-form .pct"),
		waitTrue(`document.querySelector("#activity-form .award").options.length > 0`),
		chromedp.SetValue(`#activity-form [name="name"]`, "Own wheel", chromedp.ByQuery),
		chromedp.SendKeys("#activity-form .pct", "1.5", chromedp.ByQuery),
		chromedp.SetValue("#activity-form .pstock", "10", chromedp.ByQuery),
		click(`#activity-form button[type="submit"]`),
		exists(`#activity-detail [data-action="submit"]`),
		waitTrue(`!document.querySelector("#review-note")`),
		chromedp.Evaluate(`document.querySelector("#activity-card").dataset.id`, &id),
		click(`#activity-detail [data-action="submit"]`),
		textHas("#activity-state", "pending_review"),
		textHas("#activity-detail .actions #review-note", "another admin must approve or reject it"),
		waitTrue(`!!document.querySelector('#activity-detail [data-action="revoke"]') &&
			!document.querySelector('#activity-detail [data-action="approve"]') && !document.querySelector('#activity-detail [data-action="reject"]')`),
		screenshot(t, shots, "activity-own-review-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
	))
	require.NotEmpty(t, id)
	assert.Equal(t, "ada", ada.must(http.StatusOK, http.MethodGet, "/api/v1/admin/activities/"+id, nil)["created_by"])

	// Forced anyway: the page's fetch is wrapped so that the activity seems created by
	// someone else, as a page that does not know the creator would show it. Approve is
	// offered and clicked; the server refuses with 403 and the refusal is shown at the
	// actions, the reason typed is kept, and Ada stays signed in.
	openRow := fmt.Sprintf(`#activities-table tr[data-id="%s"] button.open`, id)
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Evaluate(fmt.Sprintf(`window.__realFetch = window.fetch;
			window.fetch = async (url, opts) => {
				const r = await window.__realFetch(url, opts);
				if (url !== "/api/v1/admin/activities/%s" || (opts && opts.method && opts.method !== "GET")) return r;
				const a = await r.json();
				a.created_by = "someone-else";
				return new Response(JSON.stringify(a), { status: r.status, headers: { "Content-Type": "application/json" } });
			}; 0`, id), nil),
		exists(openRow),
		click(openRow),
		exists(`#activity-detail [data-action="approve"]`),
		chromedp.SendKeys("#transition-reason", "looks fine", chromedp.ByQuery),
		click(`#activity-detail [data-action="approve"]`),
		textHas("#activity-detail .actions .form-error", "another admin must approve or reject this activity"),
		textHas("#activity-detail .actions .form-error", "(forbidden)"),
		stillSignedIn(),
		valueIs("#transition-reason", "looks fine"),
		textHas("#activity-state", "pending_review"),
		screenshot(t, shots, "activity-own-approve-refused-1280.png", 1280),
		screenshot(t, shots, "activity-own-approve-refused-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
		chromedp.Evaluate(`window.fetch = window.__realFetch; 0`, nil),
	))

	// The console's api() function itself, called from the page, takes the refusal as one
	// of an action, not of the token.
	var settled map[string]any
	require.NoError(t, chromedp.Run(ctx,
		callFromPage(fmt.Sprintf(`import("/console/api.js").then((m) => m.api("POST", "/admin/activities/%s/transitions", { action: "reject", reason: "mine" }))`, id)),
		chromedp.Evaluate(`window.__settled`, &settled),
		stillSignedIn(),
	))
	assert.Equal(t, map[string]any{"ok": false, "status": 403.0, "code": "forbidden", "refusesToken": false,
		"details": map[string]any{"scope": "action", "reason": "separation_of_duties"}}, settled)
	assert.Equal(t, "pending_review", ada.must(http.StatusOK, http.MethodGet, "/api/v1/admin/activities/"+id, nil)["state"])

	// Another admin approves it; Ada then sees it approved and may start it.
	bob.must(http.StatusOK, http.MethodPost, "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": "approve"})
	require.NoError(t, chromedp.Run(ctx,
		click(openRow),
		textHas("#activity-state", "approved"),
		exists(`#activity-detail [data-action="start"]`),
		waitTrue(`!document.querySelector("#review-note") && !document.querySelector("#activity-detail .actions .form-error:not([hidden])")`),
	))

	// Publishing a rule tree is for admins: the marketer is not offered it, and forcing it
	// through api() is a refused action too, so she stays signed in.
	tree := mia.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/rule-trees", map[string]any{
		"name": "own-router", "facts": map[string]any{"age": "int"}, "root": "n1", "nodes": []any{
			map[string]any{"id": "n1", "edges": []any{map[string]any{"when": "age < 18", "to": "kids"}, map[string]any{"to": "general"}}},
			map[string]any{"id": "kids", "leaf": id}, map[string]any{"id": "general", "leaf": id}}})["id"].(string)
	settled = nil
	require.NoError(t, chromedp.Run(ctx,
		signOut(),
		signInAs(mia.token),
		chromedp.Navigate(con.base+"/console/#/trees"),
		exists(fmt.Sprintf(`#trees-table tr[data-id="%s"] button`, tree)),
		click(fmt.Sprintf(`#trees-table tr[data-id="%s"] button`, tree)),
		textHas("#tree-editor", "Only admins publish rule trees."),
		waitTrue(`!document.querySelector("#tree-publish")`),
		callFromPage(fmt.Sprintf(`import("/console/api.js").then((m) => m.api("POST", "/admin/rule-trees/%s/publish", { version: 1 }))`, tree)),
		chromedp.Evaluate(`window.__settled`, &settled),
		stillSignedIn(),
	))
	assert.Equal(t, map[string]any{"ok": false, "status": 403.0, "code": "forbidden", "refusesToken": false,
		"details": map[string]any{"scope": "action", "reason": "role", "roles": []any{"admin"}}}, settled)

	// A token without the marketer or admin role is refused the whole route and sent back
	// to sign-in, as before.
	require.NoError(t, chromedp.Run(ctx,
		signOut(),
		submitToken(dave.token),
		textHas("#signin-reason", "Not allowed: this needs one of the roles marketer, admin (forbidden)"),
		backAtSignIn(),
	))
}

// TestConsoleTransitionConflict: the activity changes while an admin looks at it. Clicking an
// action that is no longer legal gets a 409; the card then shows the activity as it is now,
// with the actions legal now, the reason typed kept and a note saying it changed meanwhile.
func TestConsoleTransitionConflict(t *testing.T) {
	ctx, con := startConsole(t)
	ada := con.client("ada", "admin")
	bob := con.client("bob", "admin")
	mia := con.client("mia", "marketer")

	note := noteAward(mia)
	id := mia.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/activities", map[string]any{
		"name": "Busy wheel", "kind": "lottery",
		"begin_at": "2030-11-11T00:00:00+08:00", "end_at": "2030-11-12T00:00:00+08:00", "time_zone": "Asia/Shanghai",
		"stock": 100, "limits": map[string]any{"per_user_total": 5, "per_user_daily": 1},
		"strategy": map[string]any{"mode": "fixed", "prizes": []any{
			map[string]any{"award_id": note, "probability": "0.015", "stock": 10}}},
	})["id"].(string)
	transition := func(c *client, action string) {
		c.must(http.StatusOK, http.MethodPost, "/api/v1/admin/activities/"+id+"/transitions", map[string]any{"action": action})
	}
	transition(mia, "submit")
	transition(bob, "approve")

	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))

	// Ada opens the approved activity and types a reason; meanwhile Bob starts it.
	openRow := fmt.Sprintf(`#activities-table tr[data-id="%s"] button.open`, id)
	const shown = `!!document.querySelector("#activity-changed")`
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		signInAs(ada.token),
		chromedp.Navigate(con.base+"/console/#/activities"),
		exists(openRow),
		click(openRow),
		textHas("#activity-state", "approved"),
		exists(`#activity-detail [data-action="start"]`),
		waitTrue(`!`+shown),
		chromedp.SendKeys("#transition-reason", "campaign day", chromedp.ByQuery),
	))
	transition(bob, "start")

	// Her Start is refused with 409; the card now shows the activity running, offers Pause
	// instead of Start, says why, keeps her reason and shows no error.
	require.NoError(t, chromedp.Run(ctx,
		click(`#activity-detail [data-action="start"]`),
		textHas("#activity-detail .actions #activity-changed", "This activity changed meanwhile: it is now running."),
		textHas("#activity-state", "running"),
		waitTrue(`document.querySelector("#activity-card").dataset.state === "running"`),
		waitTrue(`!!document.querySelector('#activity-detail [data-action="pause"]') && !document.querySelector('#activity-detail [data-action="start"]')`),
		waitTrue(`document.activeElement === document.querySelector("#activity-changed")`),
		waitTrue(`!document.querySelector("#activity-detail .actions .form-error:not([hidden])")`),
		valueIs("#transition-reason", "campaign day"),
		textHas(fmt.Sprintf(`#activities-table tr[data-id="%s"]`, id), "running"),
		stillSignedIn(),
		screenshot(t, shots, "activity-changed-meanwhile-1280.png", 1280),
		screenshot(t, shots, "activity-changed-meanwhile-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
	))
	assert.Equal(t, "running", ada.must(http.StatusOK, http.MethodGet, "/api/v1/admin/activities/"+id, nil)["state"])

	// Bob closes it; her Pause then finds no action left, and the note says so where the
	// actions were.
	transition(bob, "close")
	require.NoError(t, chromedp.Run(ctx,
		click(`#activity-detail [data-action="pause"]`),
		textHas("#activity-detail .actions #activity-changed", "This activity changed meanwhile: it is now closed."),
		textHas("#activity-state", "closed"),
		waitTrue(`!document.querySelector("#activity-detail [data-action]")`),
	))

	// Opening the activity again shows it without the note.
	require.NoError(t, chromedp.Run(ctx,
		click(openRow),
		textHas("#activity-state", "closed"),
		waitTrue(`!`+shown),
	))
}
