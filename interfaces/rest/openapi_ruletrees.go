package rest

import "net/http"

func init() { addOpenAPIPart("admin-rule-trees", adminRuleTreesOpenAPI) }

func adminRuleTreesOpenAPI(d *apiDoc) {
	ruleTreeSchemas(d)
	const tag = "admin: rule trees"
	const one = adminPrefix + "/rule-trees/{id}"
	id := []any{pathParam("id", "rule tree id")}
	d.op(http.MethodPost, adminPrefix+"/rule-trees", operation(tag, "createRuleTree",
		"Save a document as version 1 of a new, unpublished tree", true, nil,
		ref("RuleTreeDocument"), ruleResponses(http.StatusCreated, "the tree with version 1", ref("RuleTree"), with(adminWriteErrors, http.StatusServiceUnavailable)...)))
	d.op(http.MethodGet, adminPrefix+"/rule-trees", operation(tag, "listRuleTrees", "List rule trees in id order (without documents)", true, pageQuery(),
		nil, responses(http.StatusOK, "a page of trees", pageOfSchema("RuleTreeSummary"), with(adminReadErrors, http.StatusBadRequest)...)))
	d.op(http.MethodPost, adminPrefix+"/rule-trees/validate", operation(tag, "validateRuleTree",
		"Check a document as a save would, without saving: 422 lists every problem", true, nil,
		ref("RuleTreeDocument"), ruleResponses(http.StatusOK, "the document is valid", ref("RuleTreeValidation"), adminWriteErrors...)))
	version := queryParam("version", "the version to show; the latest when left out", map[string]any{"type": "integer", "minimum": 1})
	d.op(http.MethodGet, one, operation(tag, "getRuleTree", "One tree with the document of its latest version, or of ?version=", true,
		append(id, version), nil, responses(http.StatusOK, "the tree", ref("RuleTree"), with(adminReadErrors, http.StatusBadRequest, http.StatusNotFound)...)))
	d.op(http.MethodPut, one, operation(tag, "updateRuleTree",
		"Save a document as the tree's next version (a draft: the live version stays until published)", true, id,
		ref("RuleTreeDocument"), ruleResponses(http.StatusOK, "the tree with the new version", ref("RuleTree"), with(adminWriteErrors, http.StatusNotFound)...)))
	d.op(http.MethodPost, one+"/publish", operation(tag, "publishRuleTree",
		"Admins only (otherwise 403 forbidden, details.scope action, reason role). Make a version live and/or the tree the default for draws naming no activity or tree; "+
			"there is one default at a time, so the previous one stops being it. Making an unpublished tree the default is 409 not_published. "+
			"{\"withdraw\":true} takes the tree out of routing. "+
			"Every server routes by the new version within a second.", true, id,
		ref("PublishRequest"), ruleResponses(http.StatusOK, "the tree, showing the version published (the latest when none was named)", ref("RuleTree"),
			with(adminWriteErrors, http.StatusNotFound, http.StatusConflict)...)))
	d.op(http.MethodPost, one+"/evaluate", operation(tag, "evaluateRuleTree",
		"Dry run of a version (the latest unless given) over the given facts, with the path taken. "+
			"now is the server's clock unless given; registered_days is derived from registered_at unless given. "+
			"Edges are tried in order; the first whose condition reads a missing fact (absent, null or not of its declared type) sends the node to its default edge, "+
			"and the path names the fact. No leaf reached is 404 no_matching_activity with details.version and details.path.", true, id,
		ref("EvaluateRequest"), responses(http.StatusOK, "the leaf reached and the path", ref("Evaluation"), with(adminWriteErrors, http.StatusNotFound)...)))
}

// ruleResponses is responses with the 422 of rule tree documents, whose problems carry a
// node, an edge and a position.
func ruleResponses(status int, desc string, schema map[string]any, errors ...int) map[string]any {
	out := responses(status, desc, schema, errors...)
	out[itoa(http.StatusUnprocessableEntity)] = map[string]any{
		"description": "the document has problems; details.problems lists every one",
		"content":     jsonContent(ref("RuleTreeError")),
	}
	return out
}

func ruleTreeSchemas(d *apiDoc) {
	factType := enum("int", "float", "string", "bool", "time", "[]string")
	d.schema("RuleTreeDocument", object([]string{"name", "root", "nodes"}, map[string]any{
		"name": str("1 to 100 characters"),
		"facts": map[string]any{"type": "object", "additionalProperties": factType,
			"description": "the facts conditions read, by name, with their type; now (time) and registered_days (int) are always there"},
		"root":  str("id of the node the walk starts at"),
		"nodes": array(ref("RuleNode")),
	}))
	d.schema("RuleNode", object([]string{"id"}, map[string]any{
		"id":    str("unique within the document"),
		"edges": array(ref("RuleEdge")),
		"leaf":  str("for a leaf: the id of the activity the walk ends at (it must exist)"),
	}))
	d.schema("RuleEdge", object([]string{"to"}, map[string]any{
		"when": map[string]any{"description": "an expression such as \"age < 18\" or a structured comparison; left out on the default edge, which must be last",
			"oneOf": []any{str("expression"), ref("RuleCondition")}},
		"to": str("id of the next node"),
	}))
	d.schema("RuleCondition", object([]string{"fact", "op", "value"}, map[string]any{
		"fact":  str("a declared fact"),
		"op":    enum("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "between"),
		"value": map[string]any{"description": "the value compared with; an array for in, not_in and between"},
	}))
	d.schema("RuleTreeSummary", object(ruleTreeSummaryRequired, ruleTreeSummaryProps()))
	full := ruleTreeSummaryProps()
	full["version"] = integer("the version shown", 1)
	full["document"] = ref("RuleTreeDocument")
	full["saved_by"] = str("who saved the version shown")
	full["saved_at"] = dateTime("when the version shown was saved")
	d.schema("RuleTree", object(append(ruleTreeSummaryRequired, "version", "document", "saved_by", "saved_at"), full))
	d.schema("RuleTreeValidation", object([]string{"valid"}, map[string]any{"valid": boolean("always true: invalid documents answer 422")}))
	d.schema("PublishRequest", object(nil, map[string]any{
		"version": integer("the version to make live; left out, the live version stays", 1),
		"default": boolean("true: make this the default tree (it needs a live version); false: stop it being the default"),
		"withdraw": boolean("true, alone: take the tree out of routing (no live version, not the default); draws it routed answer 404 no_matching_activity " +
			"until a version is published again"),
	}))
	d.schema("EvaluateRequest", object(nil, map[string]any{
		"facts":   freeObject("fact values by name, coerced to the declared types"),
		"version": integer("the version to evaluate; the latest when left out", 1),
	}))
	d.schema("Evaluation", object([]string{"version", "value", "path"}, map[string]any{
		"version": integer("the version evaluated", 1),
		"value":   str("the leaf reached: an activity id"),
		"path":    array(ref("EvaluationStep")),
	}))
	d.schema("EvaluationStep", object([]string{"node", "edge", "condition", "matched"}, map[string]any{
		"node":      str("node id"),
		"edge":      integer("index of the edge tried", 0),
		"condition": str("the condition's text; empty for a default edge"),
		"matched":   boolean("whether the edge was taken"),
		"error":     str("why the condition failed at run time, counted as not matched"),
		"missing": str("the fact, absent, null or not of its declared type, that sent the node to its default edge: " +
			"set on the first edge reading it (not run, not matched) and on the default edge taken because of it"),
	}))
	ruleProblemSchemas(d)
}

var ruleTreeSummaryRequired = []string{"id", "name", "versions", "live_version", "default", "created_by", "created_at", "updated_at"}

func ruleTreeSummaryProps() map[string]any {
	return map[string]any{
		"id":           idSchema("rule tree id"),
		"name":         str("the name of the latest version"),
		"versions":     integer("how many versions were saved; they are numbered 1 to versions and never change", 1),
		"live_version": map[string]any{"type": "integer", "nullable": true, "description": "the published version; null until one is"},
		"default":      boolean("whether this tree routes draws that name no activity or tree"),
		"created_by":   str("who created the tree"),
		"created_at":   dateTime("creation time"),
		"updated_at":   dateTime("last save or publication"),
	}
}

func ruleProblemSchemas(d *apiDoc) {
	d.schema("RuleProblem", object([]string{"code", "message"}, map[string]any{
		"code": str("e.g. unknown_target, default_edge_not_last, cycle, expression_syntax, unknown_fact, " +
			"invalid_leaf (a leaf that is not an activity id), unknown_activity, closed_activity (a leaf naming a closed activity), required, too_long"),
		"message": str("human sentence"),
		"node":    str("the node concerned"),
		"edge":    integer("index of the edge concerned within the node", 0),
		"field":   str(`JSON path of the offending field, e.g. "nodes[2].edges[0].when" or "nodes[4].leaf"`),
		"line":    integer("1-based line inside the expression", 1),
		"column":  integer("1-based column inside the expression", 1),
	}))
	d.schema("RuleTreeError", object([]string{"error"}, map[string]any{
		"error": object([]string{"code", "message", "details"}, map[string]any{
			"code":    enum("invalid"),
			"message": str("human sentence"),
			"details": object([]string{"problems"}, map[string]any{"problems": array(ref("RuleProblem"))}),
		}),
	}))
}
