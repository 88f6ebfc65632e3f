package rest

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lottery-go/lottery/domain/check"
)

// problemJSON is one entry of details.problems in a 422 response.
type problemJSON struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// problemsError turns a validation failure (*check.Error, however wrapped) into the 422
// answer listing every problem with its field path; any other error is returned as is.
func problemsError(err error) error {
	var ce *check.Error
	if !errors.As(err, &ce) {
		return err
	}
	list := make([]problemJSON, len(ce.Problems))
	for i, p := range ce.Problems {
		list[i] = problemJSON{Field: p.Field, Code: p.Code, Message: p.Message}
	}
	details := map[string]any{"problems": list}
	if ce.Omitted > 0 {
		details["omitted"] = ce.Omitted
	}
	msg := "the request has 1 problem"
	if n := len(ce.Problems) + ce.Omitted; n > 1 {
		msg = "the request has " + itoa(int64(n)) + " problems"
	}
	return Errorf(http.StatusUnprocessableEntity, "invalid", "%s", msg).WithDetails(details)
}

// withProblems answers validation failures of the handlers behind it with 422.
func withProblems(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		return problemsError(next(c))
	}
}
