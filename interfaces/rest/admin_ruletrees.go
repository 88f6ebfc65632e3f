package rest

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/infrastructure/token"
	"github.com/lottery-go/lottery/rules"
)

// The rule tree errors, mapped at package initialisation like the draw ones.
func init() {
	mapError(ruletree.ErrNotFound, http.StatusNotFound, "not_found")
	mapError(ruletree.ErrVersionNotFound, http.StatusNotFound, "not_found")
	mapError(ruletree.ErrForbidden, http.StatusForbidden, "forbidden")
	mapError(ruletree.ErrNotPublished, http.StatusConflict, "not_published")
}

// RegisterRuleTrees adds the rule tree routes under /api/v1/admin for marketers and
// admins; publishing is for admins only, which the use case enforces (a 403 with
// details.scope "action", see withActionRefusals).
func RegisterRuleTrees(s *Server, verifier Verifier, app *admin.Service) {
	h := &adminAPI{app: app}
	mw := []echo.MiddlewareFunc{authenticate(verifier), requireRole(token.RoleMarketer, token.RoleAdmin), withProblems, withRuleProblems, withActionRefusals}
	g := s.echo.Group(adminPrefix)
	g.POST("/rule-trees", h.createRuleTree, mw...)
	g.GET("/rule-trees", h.listRuleTrees, mw...)
	g.POST("/rule-trees/validate", h.validateRuleTree, mw...)
	g.GET("/rule-trees/:id", h.getRuleTree, mw...)
	g.PUT("/rule-trees/:id", h.updateRuleTree, mw...)
	g.POST("/rule-trees/:id/publish", h.publishRuleTree, mw...)
	g.POST("/rule-trees/:id/evaluate", h.evaluateRuleTree, mw...)
}

// withRuleProblems answers a document's problems with 422, each with its node, edge,
// field and position inside the expression.
func withRuleProblems(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var ce *rules.CompileError
		if !errors.As(err, &ce) {
			return err
		}
		msg := "the rule tree has 1 problem"
		if len(ce.Problems) > 1 {
			msg = "the rule tree has " + strconv.Itoa(len(ce.Problems)) + " problems"
		}
		return Errorf(http.StatusUnprocessableEntity, "invalid", "%s", msg).
			WithDetails(map[string]any{"problems": ce.Problems})
	}
}

func (h *adminAPI) createRuleTree(c echo.Context) error {
	var doc rules.Document
	if err := decodeJSON(c, &doc); err != nil {
		return err
	}
	id, err := h.app.CreateRuleTree(c.Request().Context(), claimsOf(c).Subject, doc)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, adminPrefix+"/rule-trees/"+idString(id))
	return h.showRuleTree(c, http.StatusCreated, id, 1)
}

func (h *adminAPI) showRuleTree(c echo.Context, status int, id int64, version int) error {
	v, err := h.app.RuleTree(c.Request().Context(), id, version)
	if err != nil {
		return err
	}
	return c.JSON(status, ruleTreeJSON(v))
}

// getRuleTree shows the latest version, or the one ?version= names.
func (h *adminAPI) getRuleTree(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := 0
	if s := c.QueryParam("version"); s != "" {
		if version, err = strconv.Atoi(s); err != nil || version < 1 {
			return malformed("version must be a whole number from 1")
		}
	}
	return h.showRuleTree(c, http.StatusOK, id, version)
}

func (h *adminAPI) listRuleTrees(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	items, more, err := h.app.ListRuleTrees(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := make([]ruleTreeSummary, len(items))
	var last int64
	for i, t := range items {
		out[i], last = ruleTreeSummaryJSON(t), t.ID
	}
	return c.JSON(http.StatusOK, pageOf(out, more, last))
}

// updateRuleTree saves a new version; the live one stays until published.
func (h *adminAPI) updateRuleTree(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var doc rules.Document
	if err := decodeJSON(c, &doc); err != nil {
		return err
	}
	n, err := h.app.SaveRuleTree(c.Request().Context(), id, claimsOf(c).Subject, doc)
	if err != nil {
		return err
	}
	return h.showRuleTree(c, http.StatusOK, id, n)
}

func (h *adminAPI) validateRuleTree(c echo.Context) error {
	var doc rules.Document
	if err := decodeJSON(c, &doc); err != nil {
		return err
	}
	if err := h.app.ValidateRuleTree(c.Request().Context(), doc); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, validationResponse{Valid: true})
}

func (h *adminAPI) publishRuleTree(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req publishRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := req.publication()
	if err != nil {
		return err
	}
	if err := h.app.PublishRuleTree(c.Request().Context(), actorOf(c), id, p); err != nil {
		return err
	}
	return h.showRuleTree(c, http.StatusOK, id, p.Version)
}

// evaluateRuleTree is a dry run. A walk that reaches no leaf answers 404
// no_matching_activity, as a draw would, with the path in the details to show why.
func (h *adminAPI) evaluateRuleTree(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req evaluateRequest
	if err := decodeExact(c, &req); err != nil {
		return err
	}
	user.ExactNumbers(req.Facts)
	version, err := req.version()
	if err != nil {
		return err
	}
	ev, err := h.app.EvaluateRuleTree(c.Request().Context(), id, version, req.Facts)
	if errors.Is(err, rules.ErrNoMatch) {
		return Errorf(http.StatusNotFound, "no_matching_activity", "%s", err.Error()).
			WithDetails(map[string]any{"version": ev.Version, "path": ev.Result.Path})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, evaluationResponse{Version: ev.Version, Value: ev.Result.Value, Path: ev.Result.Path})
}
