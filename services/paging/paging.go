// Package paging is how every list of the API is paged (seed §6.D): a Page
// asks for at most Limit items after an opaque cursor, and Paginate turns
// rows fetched with one extra into a page and the next cursor.
package paging

import (
	"encoding/base64"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services"
)

// Paging limits (seed §6.D).
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Page asks for one page of a list: at most Limit items after the cursor.
type Page struct {
	Limit int
	After *uuid.UUID
}

// Fetch is the row limit a query runs with: one more than the page, so
// Paginate knows whether another page follows.
func (p Page) Fetch() int32 { return int32(p.Limit + 1) }

// EncodeCursor makes the opaque cursor that follows id.
func EncodeCursor(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return uuid.Nil, &services.Error{Code: services.Invalid, Message: "The cursor is not one this API gave out.",
			Fields: map[string]string{"cursor": "is malformed"}}
	}
	return uuid.UUID(b), nil
}

// Paginate turns rows fetched with Page.Fetch into one page of items and
// the cursor of the next page ("" when this is the last).
func Paginate[R, T any](rows []R, limit int, id func(R) uuid.UUID, item func(R) T) ([]T, string) {
	out := make([]T, 0, min(len(rows), limit))
	for i, r := range rows {
		if i == limit {
			return out, EncodeCursor(id(rows[i-1]))
		}
		out = append(out, item(r))
	}
	return out, ""
}
