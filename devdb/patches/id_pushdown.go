package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxPushdownIDs bounds the placeholders of one IN list (SQLite allows 32766).
const maxPushdownIDs = 10000

// idWhereClause narrows a query to the rows a filter's top-level `_id` condition
// selects: an equality or an `$in` of strings or ObjectIDs, whatever else the
// filter says. Every caller filters the rows again with the whole filter, so a
// superset is correct; it only spares decoding the rest of the table.
func idWhereClause(filter *types.Document) (string, []any) {
	if filter == nil || !filter.Has("_id") {
		return "", nil
	}

	switch v := must.NotFail(filter.Get("_id")).(type) {
	case string, types.ObjectID:
		return fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn), []any{idArg(v)}

	case *types.Document:
		if v.Len() != 1 || !v.Has("$in") {
			return "", nil
		}

		values, ok := must.NotFail(v.Get("$in")).(*types.Array)
		if !ok || values.Len() == 0 || values.Len() > maxPushdownIDs {
			return "", nil
		}

		args := make([]any, values.Len())

		for i := 0; i < values.Len(); i++ {
			switch id := must.NotFail(values.Get(i)).(type) {
			case string, types.ObjectID:
				args[i] = idArg(id)
			default:
				return "", nil
			}
		}

		placeholders := strings.Repeat("?, ", len(args)-1) + "?"

		return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, placeholders), args
	}

	return "", nil
}

func idArg(id any) string {
	return string(must.NotFail(sjson.MarshalSingleValue(id)))
}
