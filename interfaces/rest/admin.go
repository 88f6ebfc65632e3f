package rest

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/infrastructure/token"
)

// adminPrefix is where the marketer and admin API lives.
const adminPrefix = "/api/v1/admin"

// adminAPI serves /api/v1/admin.
type adminAPI struct {
	app *admin.Service
}

// The errors of the admin use cases, mapped at package initialisation: the table is
// package-wide and read by every server, so it is complete before any serves.
func init() {
	mapError(activity.ErrNotFound, http.StatusNotFound, "not_found")
	mapError(award.ErrNotFound, http.StatusNotFound, "not_found")
	mapError(user.ErrNotFound, http.StatusNotFound, "not_found")
	mapError(activity.ErrForbidden, http.StatusForbidden, "forbidden")
	mapError(activity.ErrIllegalTransition, http.StatusConflict, "illegal_transition")
	mapError(activity.ErrConcurrentChange, http.StatusConflict, "concurrent_change")
	mapError(activity.ErrNotEditable, http.StatusConflict, "activity_not_editable")
	mapError(admin.ErrNotRedeemCode, http.StatusConflict, "wrong_award_kind")
	mapError(admin.ErrAwardInUse, http.StatusConflict, "award_in_use")
	mapErrorAs(admin.ErrNotPropagated, http.StatusServiceUnavailable, "try_again",
		"the change is saved but draws may not see it yet; repeat the request")
	mapErrorAs(admin.ErrNoIDs, http.StatusServiceUnavailable, "try_again",
		"nothing was saved: no new ids can be made at the moment; please retry in a while")
	// Handlers answer validation with problemsError; this only catches a stray one.
	mapError(check.ErrInvalid, http.StatusUnprocessableEntity, "invalid")
}

// RegisterAdmin adds the marketer and admin API under /api/v1/admin: bearer token with
// the marketer or admin role required; finer rules (only admins review, nobody reviews
// their own activity) are the domain's.
func RegisterAdmin(s *Server, verifier Verifier, app *admin.Service) {
	h := &adminAPI{app: app}
	// Middleware per route rather than on the group: group middleware makes echo add
	// catch-all routes, which would answer unknown paths with 401 instead of 404.
	mw := []echo.MiddlewareFunc{authenticate(verifier), requireRole(token.RoleMarketer, token.RoleAdmin), withProblems, withActionRefusals}
	g := s.echo.Group(adminPrefix)
	g.POST("/awards", h.createAward, mw...)
	g.GET("/awards", h.listAwards, mw...)
	g.GET("/awards/:id", h.getAward, mw...)
	g.PUT("/awards/:id", h.updateAward, mw...)
	g.POST("/awards/:id/codes", h.uploadCodes, mw...)
	g.POST("/activities", h.createActivity, mw...)
	g.GET("/activities", h.listActivities, mw...)
	g.GET("/activities/:id", h.getActivity, mw...)
	g.PUT("/activities/:id", h.updateActivity, mw...)
	g.POST("/activities/:id/transitions", h.transition, mw...)
	g.GET("/activities/:id/stats", h.stats, mw...)
	g.POST("/activities/:id/simulate", h.simulate, mw...)
	g.PUT("/blacklist/:user_id", h.blacklist, mw...)
	g.GET("/blacklist/:user_id", h.blacklistEntry, mw...)
	g.DELETE("/blacklist/:user_id", h.unblacklist, mw...)
}

// actorOf is who the token says is calling.
func actorOf(c echo.Context) activity.Actor {
	cl := claimsOf(c)
	return activity.Actor{ID: cl.Subject, Admin: cl.Has(token.RoleAdmin), Marketer: cl.Has(token.RoleMarketer)}
}

// withActionRefusals answers the domain's refusals of one action on one object with 403
// forbidden and details.scope "action", unlike the role check's "route": the token may use
// the route, so a client keeps it and shows the refusal at the action. details.reason is
// "separation_of_duties" when an admin would approve or reject an activity they created or last edited,
// and "role" when the action needs a role the token lacks (roles lists it), such as a
// marketer approving an activity or publishing a rule tree.
func withActionRefusals(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var stale *activity.StaleVersionError
		var refused *activity.StateError
		var inUse *admin.AwardInUseError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &stale):
			return Errorf(http.StatusConflict, "concurrent_change", "%s; read it again", stale.Error()).
				WithDetails(map[string]any{"version": stale.Current})
		case errors.As(err, &refused):
			return stateRefusal(refused)
		case errors.As(err, &inUse):
			return Errorf(http.StatusConflict, "award_in_use", "%s", inUse.Error()).
				WithDetails(map[string]any{"activity_ids": idStrings(inUse.ActivityIDs, maxListedIDs)})
		case errors.Is(err, activity.ErrForbidden):
			return activityRefusal(err)
		case errors.Is(err, ruletree.ErrForbidden):
			return Errorf(http.StatusForbidden, "forbidden", "%s", err.Error()).
				WithDetails(map[string]any{"scope": forbiddenAction, "reason": "role", "roles": []string{token.RoleAdmin}})
		}
		return err
	}
}

// maxListedIDs bounds the ids an error's details list.
const maxListedIDs = 100

// idStrings writes up to max ids as the API writes ids: strings.
func idStrings(ids []int64, max int) []string {
	out := make([]string, 0, min(len(ids), max))
	for _, id := range ids[:min(len(ids), max)] {
		out = append(out, strconv.FormatInt(id, 10))
	}
	return out
}

// stateRefusal answers a refusal for the activity's state with 409 and, in details, the
// state, the action refused (for a transition) and the actions the state allows.
func stateRefusal(e *activity.StateError) *APIError {
	code := "illegal_transition"
	if errors.Is(e, activity.ErrNotEditable) {
		code = "activity_not_editable"
	}
	details := map[string]any{"state": string(e.State), "allowed_actions": activity.Allowed(e.State)}
	if e.Action != "" {
		details["action"] = string(e.Action)
	}
	return Errorf(http.StatusConflict, code, "%s", e.Error()).WithDetails(details)
}

// activityRefusal tells the two refusals of a transition apart.
func activityRefusal(err error) *APIError {
	if errors.Is(err, activity.ErrOwnReview) {
		why := "you created it"
		if errors.Is(err, activity.ErrOwnEdit) {
			why = "you made its last edit"
		}
		return Errorf(http.StatusForbidden, "forbidden",
			"separation of duties: another admin must approve or reject this activity, because %s", why).
			WithDetails(map[string]any{"scope": forbiddenAction, "reason": "separation_of_duties"})
	}
	return Errorf(http.StatusForbidden, "forbidden", "%s", err.Error()).
		WithDetails(map[string]any{"scope": forbiddenAction, "reason": "role", "roles": []string{token.RoleAdmin}})
}
