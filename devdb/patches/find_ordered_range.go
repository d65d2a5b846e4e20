package handler

import (
	"regexp"
	"time"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// plainField is a top-level field name that can be written into SQL as it is.
var plainField = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// findOrderedRange recognises a due scan: `{F: {$lte|$lt: date}}`, sorted by F
// ascending (then `_id` ascending), with a limit and no skip.
func findOrderedRange(params *common.FindParams) *backends.OrderedRange {
	if params.Limit <= 0 || params.Skip != 0 || params.Filter.Len() != 1 {
		return nil
	}

	field := params.Filter.Keys()[0]
	if field == "_id" || !plainField.MatchString(field) {
		return nil
	}

	cond, ok := must.NotFail(params.Filter.Get(field)).(*types.Document)
	if !ok || cond.Len() != 1 {
		return nil
	}

	op := cond.Keys()[0]
	if op != "$lte" && op != "$lt" {
		return nil
	}

	upper, ok := must.NotFail(cond.Get(op)).(time.Time)
	if !ok {
		return nil
	}

	keys := params.Sort.Keys()
	switch {
	case len(keys) == 1 && keys[0] == field:
	case len(keys) == 2 && keys[0] == field && keys[1] == "_id":
	default:
		return nil
	}

	for _, key := range keys {
		if v, _ := params.Sort.Get(key); v != int64(1) {
			return nil
		}
	}

	return &backends.OrderedRange{Field: field, Upper: upper, Inclusive: op == "$lte", Limit: params.Limit}
}
