package common

import (
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// inStrings answers `{field: {$in: [...]}}` for a string field when every listed value
// is a string: equal strings are what types.Compare calls equal, so this is the loop's
// answer without its generic comparison per value (a claim by `_id` lists hundreds,
// checked against each document read). ok is false when any value is not a string,
// and the caller runs the loop.
func inStrings(field string, arr *types.Array) (found, ok bool) {
	for i := 0; i < arr.Len(); i++ {
		value, isString := must.NotFail(arr.Get(i)).(string)
		if !isString {
			return false, false
		}

		if value == field {
			found = true
		}
	}

	return found, true
}
