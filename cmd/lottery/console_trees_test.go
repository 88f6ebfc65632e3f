package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// edgeRow selects the structured editor's row of one edge, keyed "node/index" like the
// drawing's lines.
func edgeRow(key string) string {
	return fmt.Sprintf(`#tree-structure li.edge-row[data-edge=%q]`, key)
}

func nodeCard(id string) string {
	return fmt.Sprintf(`#tree-structure fieldset.node[data-node=%q]`, id)
}

// isFocused waits until the focused element is the one sel selects.
func isFocused(sel string) chromedp.Action {
	return waitTrue(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel))
}

// conditionsAre waits until the rows of node n1 show these conditions, in order ("" for the
// default edge), and the JSON under Advanced has them too.
func conditionsAre(want ...string) chromedp.Action {
	list := "["
	for i, w := range want {
		if i > 0 {
			list += ","
		}
		list += fmt.Sprintf("%q", w)
	}
	list += "]"
	return waitTrue(fmt.Sprintf(`(() => {
		const want = %s;
		const rows = [...document.querySelectorAll('%s ol.edges > li')];
		const shown = rows.map((r) => r.querySelector(".edge-cond")?.value ?? "");
		const json = JSON.parse(document.querySelector("#tree-doc").value).nodes[0].edges.map((e) => e.when ?? "");
		return JSON.stringify(shown) === JSON.stringify(want) && JSON.stringify(json) === JSON.stringify(want);
	})()`, list, nodeCard("n1")))
}

// TestConsoleTreeStructuredEditor: a marketer builds a rule tree with the form alone — no
// JSON typed — and an admin publishes it and tries it.
func TestConsoleTreeStructuredEditor(t *testing.T) {
	ctx, con := startConsole(t)
	mia := con.client("mia", "marketer")
	ada := con.client("ada", "admin")

	note := noteAward(mia)
	activity := func(name string) string {
		return mia.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/activities", map[string]any{
			"name": name, "kind": "lottery",
			"begin_at": "2030-11-11T00:00:00+08:00", "end_at": "2030-11-12T00:00:00+08:00", "time_zone": "Asia/Shanghai",
			"stock": 100, "limits": map[string]any{"per_user_total": 5, "per_user_daily": 1},
			"strategy": map[string]any{"mode": "fixed", "prizes": []any{
				map[string]any{"award_id": note, "probability": "0.1", "stock": 10}}},
		})["id"].(string)
	}
	vipWheel := activity("VIP wheel")
	generalWheel := activity("General wheel")

	shots := filepath.Join("..", "..", "test-artifacts", "console")
	require.NoError(t, os.MkdirAll(shots, 0o755))

	// A new tree starts from the template: root n1 with "age < 18" → kids and a default
	// edge → general. The marketer names it and picks the two results' activities.
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(con.base+"/console"),
		signInAs(mia.token),
		chromedp.Navigate(con.base+"/console/#/trees"),
		click("#new-tree"),
		isFocused("#tree-name"),
		valueIs("#tree-name", "new-router"),
		waitTrue(`!document.querySelector("#tree-json").open`),
		conditionsAre("age < 18", ""),
		chromedp.SetValue("#tree-name", "vip-router", chromedp.ByQuery),
		waitTrue(`JSON.parse(document.querySelector("#tree-doc").value).name === "vip-router"`),
		waitTrue(fmt.Sprintf(`[...document.querySelector('%s .node-leaf').options].some((o) => o.textContent === "VIP wheel (draft)")`, nodeCard("kids"))),
		chromedp.SetValue(nodeCard("kids")+" .node-leaf", vipWheel, chromedp.ByQuery),
		chromedp.SetValue(nodeCard("general")+" .node-leaf", generalWheel, chromedp.ByQuery),
	))

	// Renaming the node "kids" to "vip" takes its edges along. The new id is typed and the
	// next click is on another node's Add edge: the click is not lost to the rename, and the
	// new edge goes before the default one, with the focus in its condition.
	require.NoError(t, chromedp.Run(ctx,
		clearValue(nodeCard("kids")+" .node-id"),
		chromedp.SendKeys(nodeCard("kids")+" .node-id", "vip", chromedp.ByQuery),
		click(nodeCard("n1")+" .add-edge"),
		exists(nodeCard("vip")),
		valueIs(edgeRow("n1/0")+" .edge-to", "vip"),
		valueIs(nodeCard("vip")+" .node-leaf", vipWheel),
		isFocused(edgeRow("n1/1")+" .edge-cond"),
		chromedp.SendKeys(edgeRow("n1/1")+" .edge-cond", "level >= 3", chromedp.ByQuery),
		chromedp.SetValue(edgeRow("n1/1")+" .edge-to", "vip", chromedp.ByQuery),
		pressEnter(nodeCard("n1")+" .add-edge"),
		isFocused(edgeRow("n1/2")+" .edge-cond"),
		chromedp.SendKeys(edgeRow("n1/2")+" .edge-cond", "score > 3", chromedp.ByQuery),
		chromedp.SetValue(edgeRow("n1/2")+" .edge-to", "general", chromedp.ByQuery),
		conditionsAre("age < 18", "level >= 3", "score > 3", ""),
		textHas(`#tree-svg text[data-edge-label="n1/2"]`, "3. score > 3"),
	))

	// Reorder from the keyboard: "level >= 3" moves up to first, and the focus follows it
	// (to Down, as Up is now disabled). Then "age < 18" is removed.
	require.NoError(t, chromedp.Run(ctx,
		pressEnter(edgeRow("n1/1")+" .up"),
		conditionsAre("level >= 3", "age < 18", "score > 3", ""),
		isFocused(edgeRow("n1/0")+" .down"),
		waitTrue(`document.querySelector('`+edgeRow("n1/0")+` .up').disabled`),
		textHas(`#tree-svg text[data-edge-label="n1/0"]`, "1. level >= 3"),
		click(edgeRow("n1/1")+" .remove"),
		conditionsAre("level >= 3", "score > 3", ""),
		waitTrue(`!document.querySelector('#tree-svg line[data-edge="n1/3"]')`),
	))

	// Nodes and facts are added and removed with buttons too; after a removal the focus is
	// on the section's Add button.
	require.NoError(t, chromedp.Run(ctx,
		click("#tree-add-node"),
		exists(nodeCard("n2")),
		isFocused(nodeCard("n2")+" .node-id"),
		valueIs(nodeCard("n2")+" .node-kind", "leaf"),
		waitTrue(`JSON.parse(document.querySelector("#tree-doc").value).nodes.map((n) => n.id).join() === "n1,vip,general,n2"`),
		pressEnter(nodeCard("n2")+" .remove-node"),
		waitTrue(`!document.querySelector('`+nodeCard("n2")+`')`),
		isFocused("#tree-add-node"),
		pressEnter("#tree-add-fact"),
		isFocused(`#tree-structure .fact-row[data-fact="fact1"] .fact-name`),
		chromedp.SetValue(`#tree-structure .fact-row[data-fact="fact1"] .fact-name`, "tier", chromedp.ByQuery),
		exists(`#tree-structure .fact-row[data-fact="tier"]`),
		chromedp.SetValue(`#tree-structure .fact-row[data-fact="tier"] .fact-type`, "string", chromedp.ByQuery),
		waitTrue(`JSON.stringify(JSON.parse(document.querySelector("#tree-doc").value).facts) === '{"age":"int","level":"int","tier":"string"}'`),
		pressEnter(`#tree-structure .fact-row[data-fact="tier"] .remove`),
		isFocused("#tree-add-fact"),
		waitTrue(`JSON.stringify(JSON.parse(document.querySelector("#tree-doc").value).facts) === '{"age":"int","level":"int"}'`),
		conditionsAre("level >= 3", "score > 3", ""),
	))

	// "score" is not a declared fact: the server's 422 is shown at that edge's row, next to
	// its condition, and on its line in the drawing; everything typed is kept.
	require.NoError(t, chromedp.Run(ctx,
		click("#tree-save"),
		textHas(edgeRow("n1/1"), "unknown name score"),
		waitTrue(`document.querySelector('`+edgeRow("n1/1")+` .edge-cond').getAttribute("aria-invalid") === "true"`),
		waitTrue(`(() => { const c = document.querySelector('`+edgeRow("n1/1")+` .edge-cond');
			return document.getElementById(c.getAttribute("aria-describedby")).textContent.includes("unknown name score"); })()`),
		waitTrue(`!document.querySelector('`+edgeRow("n1/0")+` .edge-cond').hasAttribute("aria-invalid")`),
		exists(`#tree-svg line.bad[data-edge="n1/1"]`),
		waitTrue(`document.querySelector('#tree-svg line.bad[data-edge="n1/1"] title').textContent.includes("unknown name score")`),
		waitTrue(`!document.querySelector('#tree-svg line.bad[data-edge="n1/0"]')`),
		textHas("#tree-problems", "node n1, edge 1"),
		textHas("#tree-editor h3", "New tree"),
		valueIs("#tree-name", "vip-router"),
		valueIs(nodeCard("general")+" .node-leaf", generalWheel),
		conditionsAre("level >= 3", "score > 3", ""),
		screenshot(t, shots, "tree-editor-problem-1280.png", 1280),
		screenshot(t, shots, "tree-editor-problem-390.png", 390),
		chromedp.EmulateViewport(1280, 900),
	))

	// Fixed in place and saved: version 1 of a new tree, in the order built.
	require.NoError(t, chromedp.Run(ctx,
		clearValue(edgeRow("n1/1")+" .edge-cond"),
		chromedp.SendKeys(edgeRow("n1/1")+" .edge-cond", "age >= 65", chromedp.ByQuery),
		click("#tree-validate"),
		textHas("#tree-status", "The document is valid."),
		waitTrue(`!document.querySelector("#tree-problems li") && !document.querySelector("#tree-structure [aria-invalid]") && !document.querySelector("#tree-svg .bad")`),
		click("#tree-save"),
		textHas("#tree-editor h3", "vip-router — version 1 of 1 (live none)"),
		textHas("#tree-status", "Saved version 1."),
		waitTrue(`!document.querySelector("#tree-problems li") && !document.querySelector("#tree-structure [aria-invalid]")`),
	))
	trees := mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/rule-trees", nil)["items"].([]any)
	require.Len(t, trees, 1)
	id := trees[0].(map[string]any)["id"].(string)
	v1 := mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/rule-trees/"+id, nil)["document"].(map[string]any)
	assert.Equal(t, "vip-router", v1["name"])
	assert.Equal(t, "n1", v1["root"])
	assert.Equal(t, []any{
		map[string]any{"id": "n1", "edges": []any{
			map[string]any{"when": "level >= 3", "to": "vip"},
			map[string]any{"when": "age >= 65", "to": "general"},
			map[string]any{"to": "general"}}},
		map[string]any{"id": "vip", "leaf": vipWheel},
		map[string]any{"id": "general", "leaf": generalWheel},
	}, v1["nodes"])

	// A second version turns "age >= 65" into a structured comparison; saving makes version
	// 2 with PUT, and version 1 can still be opened as it was.
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SetValue(edgeRow("n1/1")+" .edge-mode", "compare", chromedp.ByQuery),
		exists(edgeRow("n1/1")+" .edge-op"),
		valueIs(edgeRow("n1/1")+" .edge-fact", "age"),
		chromedp.SetValue(edgeRow("n1/1")+" .edge-op", "gte", chromedp.ByQuery),
		chromedp.SendKeys(edgeRow("n1/1")+" .edge-value", "65", chromedp.ByQuery),
		textHas(`#tree-svg text[data-edge-label="n1/1"]`, "2. age is at least 65"),
		click("#tree-save"),
		textHas("#tree-editor h3", "vip-router — version 2 of 2 (live none)"),
		valueIs(edgeRow("n1/1")+" .edge-value", "65"),
		chromedp.SetValue("#tree-version", "1", chromedp.ByQuery),
		textHas("#tree-editor h3", "vip-router — version 1 of 2 (live none)"),
		valueIs(edgeRow("n1/1")+" .edge-cond", "age >= 65"),
		textHas("#tree-editor", "This is an older version; saving makes version 3 from it."),
		textHas("#tree-editor", "Only admins publish rule trees."),
	))
	v2 := mia.must(http.StatusOK, http.MethodGet, "/api/v1/admin/rule-trees/"+id, nil)
	assert.Equal(t, 2.0, v2["version"])
	assert.Equal(t, map[string]any{"fact": "age", "op": "gte", "value": 65.0},
		v2["document"].(map[string]any)["nodes"].([]any)[0].(map[string]any)["edges"].([]any)[1].(map[string]any)["when"])
	var count int
	require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(unlabelled, &count)))
	assert.Zero(t, count, "every control in the tree editor has a label")

	// The admin publishes version 2 and tries it: level 5 goes through the first edge to the
	// VIP wheel, age 70 through the second to the general one; the drawing and the rows
	// show the path taken.
	row := fmt.Sprintf(`#trees-table tr[data-id="%s"] button`, id)
	require.NoError(t, chromedp.Run(ctx,
		signOut(),
		signInAs(ada.token),
		chromedp.Navigate(con.base+"/console/#/trees"),
		exists(row),
		click(row),
		textHas("#tree-editor h3", "version 2 of 2 (live none)"),
		valueIs("#publish-version", "2"),
		click("#tree-publish"),
		textHas("#tree-editor h3", "version 2 of 2 (live 2)"),
		textHas("#tree-status", "Version 2 is live."),
		textHas("#tree-version", "Version 2 (live) (latest)"),
		chromedp.SetValue("#try-fact-level", "5", chromedp.ByQuery),
		waitTrue(`JSON.stringify(JSON.parse(document.querySelector("#try-facts").value)) === '{"level":5}'`),
		click("#try-run"),
		textHas("#try-value", vipWheel),
		exists(`#tree-svg line.taken[data-edge="n1/0"]`),
		exists(`#tree-svg g.taken[data-node="vip"]`),
		exists(edgeRow("n1/0")+".taken"),
		waitTrue(`!document.querySelector('#tree-svg line.taken[data-edge="n1/1"]') && !document.querySelector('#tree-svg g.taken[data-node="general"]')`),
		// Level 1, not left out: a missing fact would send n1 to its default edge (API.md).
		chromedp.Evaluate(`(() => { const e = document.querySelector("#try-fact-level"); e.value = "1"; e.dispatchEvent(new Event("input")); })()`, nil),
		chromedp.SetValue("#try-fact-age", "70", chromedp.ByQuery),
		waitTrue(`(f => f.level === 1 && f.age === 70)(JSON.parse(document.querySelector("#try-facts").value))`),
		click("#try-run"),
		textHas("#try-value", generalWheel),
		exists(`#tree-svg line.taken[data-edge="n1/1"]`),
		exists(`#tree-svg g.taken[data-node="general"]`),
		exists(edgeRow("n1/1")+".taken"),
		waitTrue(`!document.querySelector('#tree-svg line.taken[data-edge="n1/0"]') && !document.querySelector('`+edgeRow("n1/0")+`.taken')`),
		textHas("#try-result", "n1 edge 0: level >= 3 → not taken"),
		screenshot(t, shots, "tree-editor-evaluated-1280.png", 1280),
		screenshot(t, shots, "tree-editor-evaluated-390.png", 390),
	))
	live := ada.must(http.StatusOK, http.MethodGet, "/api/v1/admin/rule-trees/"+id, nil)
	assert.Equal(t, 2.0, live["live_version"])

	// Withdrawn from the editor: no live version, and no withdraw button until one is.
	require.NoError(t, chromedp.Run(ctx,
		click("#tree-withdraw"),
		textHas("#tree-status", "Withdrawn: the tree routes nobody."),
		textHas("#tree-editor h3", "version 2 of 2 (live none)"),
		waitTrue(`!document.querySelector("#tree-withdraw")`),
	))
	withdrawn := ada.must(http.StatusOK, http.MethodGet, "/api/v1/admin/rule-trees/"+id, nil)
	assert.Nil(t, withdrawn["live_version"])
}
