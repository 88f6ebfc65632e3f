package rest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// APIError is the one error shape of API.md:
// {"error":{"code":"snake_case_code","message":"human sentence","details":{}}}.
type APIError struct {
	Status  int            `json:"-"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
	// Header is added to the response, e.g. Retry-After.
	Header http.Header `json:"-"`
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Errorf builds an APIError.
func Errorf(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...), Details: map[string]any{}}
}

// WithDetails returns e with details set.
func (e *APIError) WithDetails(d map[string]any) *APIError {
	e.Details = d
	return e
}

type errorBody struct {
	Error *APIError `json:"error"`
}

// mapping turns a domain error into its API form; the first that matches wins.
type mapping struct {
	target  error
	status  int
	code    string
	message string // shown instead of the error's own text, when set
}

// errorMap is filled once by each part of the API (see register* functions), so a domain
// error maps to one status and code everywhere.
var errorMap []mapping

// mapError registers how a sentinel error is shown to clients.
func mapError(target error, status int, code string) {
	errorMap = append(errorMap, mapping{target: target, status: status, code: code})
}

// mapErrorAs registers a sentinel error whose text is not for clients: they are shown
// message instead.
func mapErrorAs(target error, status int, code, message string) {
	errorMap = append(errorMap, mapping{target: target, status: status, code: code, message: message})
}

// toAPIError decides what the client sees for err.
func toAPIError(err error) *APIError {
	var api *APIError
	if errors.As(err, &api) {
		return api
	}
	if conv, ok := err.(interface{ APIError() *APIError }); ok {
		return conv.APIError()
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return fromHTTPError(he)
	}
	for _, m := range errorMap {
		if !errors.Is(err, m.target) {
			continue
		}
		msg := m.message
		if msg == "" {
			msg = err.Error()
		}
		api := Errorf(m.status, m.code, "%s", msg)
		if m.status == http.StatusServiceUnavailable {
			api = api.withHeader("Retry-After", "1") // every such answer asks for a retry
		}
		return api
	}
	return Errorf(http.StatusInternalServerError, "internal", "internal error")
}

func fromHTTPError(he *echo.HTTPError) *APIError {
	if errors.Is(he.Internal, echo.ErrStatusRequestEntityTooLarge) {
		he = echo.ErrStatusRequestEntityTooLarge
	}
	switch he.Code {
	case http.StatusNotFound:
		return Errorf(he.Code, "not_found", "no such resource")
	case http.StatusMethodNotAllowed:
		return Errorf(he.Code, "method_not_allowed", "method not allowed on this resource")
	case http.StatusRequestEntityTooLarge:
		return Errorf(he.Code, "body_too_large", "request body is over the size limit")
	case http.StatusUnauthorized:
		return Errorf(he.Code, "unauthorized", "%v", he.Message)
	case http.StatusBadRequest:
		return Errorf(he.Code, "malformed", "%v", he.Message)
	}
	return Errorf(he.Code, "http_error", "%v", he.Message)
}

// errorHandler writes every error in the API shape and logs server-side failures with the
// request id, so a client's report can be matched to the log line.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	limit := &logLimiter{last: map[string]logSlot{}}
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		api := toAPIError(err)
		if api.Status >= 500 {
			if more, ok := limit.allow(c.Path()+" "+api.Code, time.Now()); ok {
				log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method,
					"path", c.Path(), "status", api.Status, "err", err, "alike_not_logged", more)
			}
		}
		for k, vs := range api.Header {
			for _, v := range vs {
				c.Response().Header().Add(k, v)
			}
		}
		if api.Details == nil {
			api.Details = map[string]any{}
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(api.Status)
			return
		}
		_ = c.JSON(api.Status, errorBody{Error: api})
	}
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// logLimiter lets one line a second through per route and error code: during an outage
// every request fails alike, and a line each would bury the log. A line says how many
// alike were not logged since the last.
type logLimiter struct {
	mu   sync.Mutex
	last map[string]logSlot
}

type logSlot struct {
	at      time.Time
	dropped int
}

func (l *logLimiter) allow(key string, now time.Time) (dropped int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.last[key]
	if now.Sub(s.at) < time.Second {
		s.dropped++
		l.last[key] = s
		return 0, false
	}
	l.last[key] = logSlot{at: now}
	return s.dropped, true
}
