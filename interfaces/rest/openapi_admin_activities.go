package rest

import "net/http"

func init() { addOpenAPIPart("admin-activities", adminActivitiesOpenAPI) }

func adminActivitiesOpenAPI(d *apiDoc) {
	activitySchemas(d)
	resultSchemas(d)
	const tag = "admin: activities"
	const one = adminPrefix + "/activities/{id}"
	id := []any{pathParam("id", "activity id")}
	list := append(pageQuery(), queryParam("state", "only activities in this state", ref("State")))
	d.op(http.MethodPost, adminPrefix+"/activities", operation(tag, "createActivity", "Create a draft activity with its strategy", true, nil,
		ref("ActivityInput"), responses(http.StatusCreated, "the activity", ref("Activity"), with(adminWriteErrors, http.StatusServiceUnavailable)...)))
	d.op(http.MethodGet, adminPrefix+"/activities", operation(tag, "listActivities", "List activities in id order (without transitions)", true, list,
		nil, responses(http.StatusOK, "a page of activities", pageOfSchema("Activity"), with(adminReadErrors, http.StatusBadRequest)...)))
	d.op(http.MethodGet, one, operation(tag, "getActivity", "One activity with its review trail (transitions)", true, id,
		nil, responses(http.StatusOK, "the activity", ref("Activity"), with(adminReadErrors, http.StatusNotFound)...)))
	d.op(http.MethodPut, one, operation(tag, "updateActivity", "Replace an activity's parameters; only in draft or rejected (else 409 activity_not_editable); "+
		"with a version named that is no longer the activity's, 409 concurrent_change (details.version is the current one)", true, id,
		ref("ActivityInput"), responses(http.StatusOK, "the activity", ref("Activity"), with(adminWriteErrors, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable)...)))
	d.op(http.MethodPost, one+"/transitions", operation(tag, "transitionActivity",
		"Move an activity through its life cycle. Only admins approve or reject (else 403 forbidden, details.scope action, reason role), "+
			"never an activity they created or last edited (403 forbidden, details.scope action, reason separation_of_duties: another admin must review it); "+
			"an illegal move is 409 illegal_transition, a lost race with another change 409 concurrent_change, and so is a version named "+
			"that is no longer the activity's (details.version is the current one)", true, id,
		ref("TransitionRequest"), responses(http.StatusOK, "the activity after the transition", ref("Activity"),
			with(adminWriteErrors, http.StatusNotFound, http.StatusConflict)...)))
	d.op(http.MethodGet, one+"/stats", operation(tag, "activityStats", "Draws, wins and stock left from SQL, and the live counters when loaded. "+
		"Views of one activity that arrive while its orders are being counted share that count, so figures may be as old as a count takes", true, id,
		nil, responses(http.StatusOK, "statistics", ref("Stats"), with(adminReadErrors, http.StatusNotFound)...)))
	d.op(http.MethodPost, one+"/simulate", operation(tag, "simulateActivity", "Simulate draws without side effects and test them against the odds (chi-square)", true, id,
		ref("SimulationRequest"), responses(http.StatusOK, "simulation", ref("Simulation"), with(adminWriteErrors, http.StatusNotFound)...)))
}

func resultSchemas(d *apiDoc) {
	d.schema("Stats", object([]string{"activity_id", "state", "draws", "stock", "stock_left", "prizes"}, map[string]any{
		"activity_id": idSchema("activity id"),
		"state":       ref("State"),
		"draws":       integer("committed orders, won or lost", 0),
		"stock":       integer("the activity's stock", 0),
		"stock_left":  signedInt("stock − draws"),
		"prizes": array(object([]string{"prize_id", "award_id", "stock", "wins", "stock_left"}, map[string]any{
			"prize_id": idSchema("prize id"), "award_id": idSchema("award id"),
			"stock": integer("prize stock", 0), "wins": integer("committed wins", 0),
			"stock_left": signedInt("stock − wins"),
		})),
		"live": object([]string{"stock_left", "drift", "prizes"}, map[string]any{
			"stock_left": signedInt("the draw engine's stock left"),
			"drift":      signedInt("SQL stock_left − live stock_left: draws admitted but not yet committed"),
			"prizes": array(object([]string{"prize_id", "pool_left"}, map[string]any{
				"prize_id": idSchema("prize id"), "pool_left": signedInt("units released and not yet won"),
			})),
		}),
		"live_error": str("why the live counters could not be read"),
	}))
	d.schema("SimulationRequest", object([]string{"draws"}, map[string]any{
		"draws": map[string]any{"type": "integer", "minimum": 1, "maximum": 10_000_000},
	}))
	outcome := object([]string{"probability", "expected", "observed", "expected_rate", "observed_rate"}, map[string]any{
		"prize_id": idSchema("prize id (absent for no prize)"), "award_id": idSchema("award id (absent for no prize)"),
		"probability": decimal("configured probability"), "expected": number("expected count"),
		"observed": integer("observed count", 0), "expected_rate": number("probability as a number"),
		"observed_rate": number("observed ÷ draws"),
	})
	d.schema("Simulation", object([]string{"draws", "prizes", "no_prize", "chi_square", "df", "p_value"}, map[string]any{
		"draws":      integer("draws simulated", 1),
		"prizes":     array(outcome),
		"no_prize":   outcome,
		"chi_square": map[string]any{"type": "number", "nullable": true, "description": "Pearson's statistic; null when infinite"},
		"df":         integer("degrees of freedom", 0),
		"p_value":    number("probability of a fit at least this bad under the configured odds"),
	}))
}
