package rest

import "maps"

func activitySchemas(d *apiDoc) {
	d.schema("Limits", object(nil, map[string]any{
		"per_user_total": count("draws per user in total; absent for unlimited", 1),
		"per_user_daily": count("draws per user per local day; absent for unlimited", 1),
	}))
	d.schema("Release", object([]string{"plan"}, map[string]any{
		"plan": withDescription(enum("even", "slots"), "even: the stock in equal shares of the window, a unit at the start of each "+
			"(the first at begin_at, all of it before end_at); slots: the amounts at their instants. The release job "+
			"(jobs.release) adds what is due at each run, and its last run before end_at adds all that remains"),
		"slots": withDescription(array(object([]string{"at", "amount"}, map[string]any{
			"at": dateTime("release instant, inside [begin_at, end_at)"), "amount": integer("units released", 1),
		})), "for plan slots: in increasing time order, adding up to the prize's stock (422 below_stock or exceeds_stock otherwise)"),
	}))
	prize := map[string]any{
		"award_id":    idSchema("the award given"),
		"probability": decimal("chance per draw"),
		"stock":       count("units of the prize", 1),
		"daily_quota": count("wins per local day; absent for none", 1),
		"release":     ref("Release"),
	}
	d.schema("PrizeInput", object([]string{"award_id", "probability", "stock"}, prize))
	withID := map[string]any{"id": idSchema("prize id")}
	for k, v := range prize {
		withID[k] = v
	}
	d.schema("Prize", object([]string{"id", "award_id", "probability", "stock"}, withID))
	mode := map[string]any{"type": "string", "enum": []string{"fixed", "renormalize"},
		"description": "fixed: an empty prize loses; renormalize: it is taken out and the draw taken again"}
	d.schema("StrategyInput", object([]string{"prizes"}, map[string]any{
		"mode": withDescription(maps.Clone(mode), "fixed when left out; "+mode["description"].(string)), "prizes": map[string]any{"type": "array", "items": ref("PrizeInput"), "maxItems": 64},
	}))
	d.schema("Strategy", object([]string{"mode", "prizes"}, map[string]any{"mode": mode, "prizes": array(ref("Prize"))}))
	input := activityFields(ref("StrategyInput"))
	input["version"] = integer("on PUT, optional: the version the edit was made on; an activity changed since is 409 concurrent_change "+
		"with details.version, instead of overwritten (0 or left out: whatever the version)", 0)
	d.schema("ActivityInput", object([]string{"name", "begin_at", "end_at", "time_zone", "stock", "strategy"}, input))
	out := activityFields(ref("Strategy"))
	out["id"] = idSchema("activity id")
	out["state"] = ref("State")
	out["created_by"] = str("user who created it")
	out["created_at"] = dateTime("creation time")
	out["updated_at"] = dateTime("last change")
	out["version"] = integer("optimistic-lock version, grows on every change", 1)
	out["transitions"] = map[string]any{"type": "array", "items": ref("Transition"),
		"description": "the review trail, oldest first; on single-activity responses only"}
	d.schema("Activity", object([]string{"id", "name", "kind", "begin_at", "end_at", "time_zone", "stock", "limits",
		"strategy", "state", "created_by", "created_at", "updated_at", "version"}, out))
	d.schema("Transition", object([]string{"action", "from", "to", "actor", "at"}, map[string]any{
		"action": ref("Action"), "from": ref("State"), "to": ref("State"),
		"actor": str("who"), "reason": str("why"), "at": dateTime("when"),
	}))
	d.schema("Action", enum("submit", "approve", "reject", "revoke", "start", "pause", "resume", "close"))
	d.schema("TransitionRequest", object([]string{"action"}, map[string]any{
		"action": ref("Action"),
		"reason": str("why, up to 500 characters; required to reject"),
		"version": integer("optional: the version the actor saw; an activity changed since is 409 concurrent_change with details.version, "+
			"instead of approved (or otherwise moved) unseen (0 or left out: whatever the version)", 0),
	}))
}

func activityFields(strategy map[string]any) map[string]any {
	return map[string]any{
		"name":      str("1 to 100 characters"),
		"kind":      map[string]any{"type": "string", "default": "lottery", "pattern": "^[a-z][a-z0-9_]{0,31}$"},
		"begin_at":  dateTime("window start (inclusive); years 2000 to 9999 in UTC and in time_zone"),
		"end_at":    dateTime("window end (exclusive); years 2000 to 9999 in UTC and in time_zone"),
		"time_zone": str("IANA zone defining the local day, e.g. Asia/Shanghai"),
		"stock":     count("draws the activity serves in total", 1),
		"limits":    ref("Limits"),
		"strategy":  strategy,
	}
}
