package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/interfaces/web"
	"github.com/lottery-go/lottery/internal/testkit"
)

// chromiumPath finds a Chromium to drive, or "" when the machine has none.
func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// browser starts a headless Chromium for one test and returns a context to run actions in.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no Chromium found (looked for /usr/bin/chromium); install the Debian package chromium to run the console test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(browserProfile(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// waitTrue polls a JavaScript expression until it is true, so each step waits for the page
// rather than for a fixed time.
func waitTrue(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(15 * time.Second)
		for {
			var ok bool
			if err := chromedp.Evaluate(expr, &ok).Do(ctx); err != nil {
				return fmt.Errorf("evaluate %s: %w", expr, err)
			}
			if ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("still false after 15s: %s", expr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func textHas(sel, want string) chromedp.Action {
	return waitTrue(fmt.Sprintf(`(document.querySelector(%q)?.textContent || "").includes(%q)`, sel, want))
}

// click waits for sel and clicks it in one step in the page, so a list re-rendered
// between finding the element and clicking it cannot leave the click on a removed node.
func click(sel string) chromedp.Action {
	return chromedp.Tasks{exists(sel), waitTrue(fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.click(); return true })()`, sel))}
}

func exists(sel string) chromedp.Action {
	return waitTrue(fmt.Sprintf(`!!document.querySelector(%q)`, sel))
}

func screenshot(t *testing.T, dir, name string, width int64) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var buf []byte
		if err := chromedp.EmulateViewport(width, 900).Do(ctx); err != nil {
			return err
		}
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		path := filepath.Join(dir, name)
		t.Logf("screenshot %s", path)
		return os.WriteFile(path, buf, 0o644)
	})
}

// submitToken signs in without waiting for the console, for tokens the server refuses.
func submitToken(tok string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible("#token", chromedp.ByQuery),
		chromedp.SetValue("#token", tok, chromedp.ByQuery),
		click(`#signin-form button[type="submit"]`),
	}
}

// backAtSignIn waits until only the sign-in form shows and the token is forgotten.
func backAtSignIn() chromedp.Tasks {
	return chromedp.Tasks{
		waitTrue(`["#nav", "#who", "#view"].every(s => getComputedStyle(document.querySelector(s)).display === "none")`),
		waitTrue(`!sessionStorage.getItem("lottery.token") && document.activeElement === document.querySelector("#token")`),
	}
}

func signInAs(tok string) chromedp.Tasks {
	return append(submitToken(tok), chromedp.WaitVisible("#nav", chromedp.ByQuery))
}

func signOut() chromedp.Tasks {
	return chromedp.Tasks{
		click("#sign-out"),
		chromedp.WaitVisible("#token", chromedp.ByQuery),
	}
}

// consoleStack is the embedded stack without the scheduler role: its states job would
// start an approved activity on its own, racing the Start the tests click.
func consoleStack(t *testing.T) config.Config {
	cfg := testkit.EmbeddedStack(t)
	cfg.Roles = []string{config.RoleAPI, config.RoleGranter}
	return cfg
}

// consoleRig is a server with the console on the console stack, for a browser to drive.
type consoleRig struct {
	t    *testing.T
	cfg  config.Config
	base string
}

// startConsole starts a browser and the server; both stop with the test.
func startConsole(t *testing.T) (context.Context, *consoleRig) {
	ctx := browser(t)
	cfg := consoleStack(t)
	return ctx, &consoleRig{t: t, cfg: cfg, base: startServer(t, cfg, web.Register).base}
}

// client calls the API as sub with role.
func (r *consoleRig) client(sub, role string) *client {
	return newClient(r.t, r.base, r.cfg, sub, role)
}

func TestConsoleMarketerAndAdminFlow(t *testing.T) {
	ctx, con := startConsole(t)
	mint := func(sub, role, secret string) string {
		tok, err := token.NewKeys(secret).Mint(sub, []string{role}, nil, time.Hour)
		require.NoError(t, err)
		return tok
	}
	marketer := mint("mia", "marketer", con.cfg.Auth.Secret)
	admin := mint("ada", "admin", con.cfg.Auth.Secret)
	forged := mint("eve", "admin", con.cfg.Auth.Secret+"-not-the-key")

	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))

	// A token the server refuses sends the user back to sign-in with the reason.
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		submitToken(forged),
		textHas("#signin-reason", "Your token was refused"),
		backAtSignIn(),
	))

	// The marketer creates an award: a 422 lands under the field, nothing typed is lost.
	require.NoError(t, chromedp.Run(ctx,
		signInAs(marketer),
		chromedp.WaitVisible("#award-form", chromedp.ByQuery),
		chromedp.SetValue(`#award-form [name="name"]`, "Thank-you note", chromedp.ByQuery),
		click(`#award-form button[type="submit"]`),
		exists(`#award-form [data-field="content.text"] .field-error`),
		waitTrue(`document.querySelector('#award-form [name="name"]').value === "Thank-you note"`),
		chromedp.SetValue(`#award-form [name="content.text"]`, "Thanks!", chromedp.ByQuery),
		click(`#award-form button[type="submit"]`),
		textHas("#awards-table", "Thank-you note"),
		screenshot(t, shots, "awards-1280.png", 1280),
	))

	// The marketer creates an activity with 1.5 % odds and submits it.
	var activityID string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console/#/activities"),
		exists("#activity-form .pct"),
		waitTrue(`document.querySelector("#activity-form .award").options.length > 0`),
		chromedp.SetValue(`#activity-form [name="name"]`, "Spring wheel", chromedp.ByQuery),
		chromedp.SendKeys("#activity-form .pct", "150", chromedp.ByQuery),
		textHas("#odds-sum", "above 100 %"),
		chromedp.SetValue("#activity-form .pstock", "10", chromedp.ByQuery),
		click(`#activity-form button[type="submit"]`),
		exists(`#activity-form [data-field="strategy.prizes[0].probability"] .field-error`),
		waitTrue(`document.querySelector('#activity-form [name="name"]').value === "Spring wheel"`),
		screenshot(t, shots, "activity-problem-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
		chromedp.Evaluate(`document.querySelector("#activity-form .pct").value = ""`, nil),
		chromedp.SendKeys("#activity-form .pct", "1.5", chromedp.ByQuery),
		textHas("#odds-sum", "1.5 %"),
		textHas("#activity-form .dec", `"0.015"`),
		chromedp.SetValue("#activity-form .pstock", "10", chromedp.ByQuery),
		chromedp.SetValue("#activity-form .quota", "5", chromedp.ByQuery),
		click("#activity-form .even"),
		click(`#activity-form button[type="submit"]`),
		exists(`#activity-detail [data-action="submit"]`),
		textHas("#activity-detail", "1.5 % (“0.015”)"),
		chromedp.Evaluate(`document.querySelector("#activity-card").dataset.id`, &activityID),
		waitTrue(`!document.querySelector('#activity-detail [data-action="approve"]')`),
		click(`#activity-detail [data-action="submit"]`),
		textHas("#activity-state", "pending_review"),
		waitTrue(`!document.querySelector('#activity-detail [data-action="approve"]') && !!document.querySelector('#activity-detail [data-action="revoke"]')`),
		screenshot(t, shots, "activities-marketer-1280.png", 1280),
		screenshot(t, shots, "activities-marketer-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
		signOut(),
	))
	require.NotEmpty(t, activityID)

	// The admin approves and starts it, then looks at stats and a simulation.
	openRow := fmt.Sprintf(`#activities-table tr[data-id="%s"] button.open`, activityID)
	require.NoError(t, chromedp.Run(ctx,
		signInAs(admin),
		chromedp.Navigate(con.base+"/console/#/activities"),
		chromedp.SetValue("#state-filter", "pending_review", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#state-filter").dispatchEvent(new Event("change"))`, nil),
		exists(openRow),
		click(openRow),
		click(`#activity-detail [data-action="approve"]`),
		textHas("#activity-state", "approved"),
		click(`#activity-detail [data-action="start"]`),
		textHas("#activity-state", "running"),
		waitTrue(`!!document.querySelector('#activity-detail [data-action="pause"]') && !document.querySelector('#activity-detail [data-action="start"]')`),
		textHas("#stats-table", "0 / 10"),
		chromedp.SetValue(`#activity-detail [name="draws"]`, "20000", chromedp.ByQuery),
		click("#simulate-run"),
		textHas("#simulation", "p-value"),
		screenshot(t, shots, "activities-admin-1280.png", 1280),
		chromedp.EmulateViewport(1280, 900),
	))

	// The admin authors a tree: an unknown fact is refused at its edge, then fixed, published
	// and evaluated with the path highlighted.
	bad := `{"name":"spring-router","facts":{"age":"int"},"root":"n1","nodes":[
 {"id":"n1","edges":[{"when":"score > 3","to":"kids"},{"to":"general"}]},
 {"id":"kids","leaf":"` + activityID + `"},{"id":"general","leaf":"` + activityID + `"}]}`
	good := `{"name":"spring-router","facts":{"age":"int"},"root":"n1","nodes":[
 {"id":"n1","edges":[{"when":"age < 18","to":"kids"},{"to":"general"}]},
 {"id":"kids","leaf":"` + activityID + `"},{"id":"general","leaf":"` + activityID + `"}]}`
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console/#/trees"),
		click("#new-tree"),
		click("#tree-json summary"),
		chromedp.SetValue("#tree-doc", bad, chromedp.ByQuery),
		valueIs(`#tree-structure li.edge-row[data-edge="n1/0"] .edge-cond`, "score > 3"),
		click("#tree-save"),
		textHas("#tree-problems", "node n1, edge 0"),
		exists(`#tree-svg line.bad[data-edge="n1/0"]`),
		textHas(`#tree-structure li.edge-row[data-edge="n1/0"]`, "unknown name score"),
		waitTrue(`document.querySelector('#tree-structure li.edge-row[data-edge="n1/0"] .edge-cond').getAttribute("aria-invalid") === "true"`),
		waitTrue(`document.querySelector("#tree-doc").value.includes("score > 3")`),
		screenshot(t, shots, "tree-problem-1280.png", 1280),
		chromedp.EmulateViewport(1280, 900),
		chromedp.SetValue("#tree-doc", good, chromedp.ByQuery),
		valueIs(`#tree-structure li.edge-row[data-edge="n1/0"] .edge-cond`, "age < 18"),
		click("#tree-save"),
		exists("#tree-publish"),
		waitTrue(`!document.querySelector("#tree-problems li")`),
		click("#publish-default"),
		click("#tree-publish"),
		textHas("#tree-editor h3", "(live 1)"),
		textHas("#trees-table", "default"),
		click("#try-panel summary"),
		chromedp.SetValue("#try-facts", `{"age": 10}`, chromedp.ByQuery),
		valueIs("#try-fact-age", "10"),
		click("#try-run"),
		textHas("#try-value", activityID),
		exists(`#tree-svg line.taken[data-edge="n1/0"]`),
		exists(`#tree-svg g.taken[data-node="kids"]`),
		waitTrue(`!document.querySelector('#tree-svg line.taken[data-edge="n1/1"]')`),
		screenshot(t, shots, "tree-evaluated-1280.png", 1280),
		screenshot(t, shots, "tree-evaluated-390.png", 390),
	))

	// Keyboard: every action is a real button or link, reachable with Tab.
	var focusable int
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Evaluate(`[...document.querySelectorAll("button, a[href]")].filter(e => e.tabIndex >= 0).length`, &focusable),
	))
	require.Greater(t, focusable, 5, "controls are focusable")
	t.Logf("screenshots in %s", shots)
}

// browserProfile is a fresh profile folder for Chromium. Not t.TempDir: the browser may
// still be writing into it while the test ends, and a folder that cannot be removed at once
// would fail the test; it is removed on a best-effort basis instead.
func browserProfile(t *testing.T) string {
	dir, err := os.MkdirTemp("", "lottery-console-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
