package metadata

import (
	"fmt"
	"regexp"
)

// plainField is a top-level field name that can be written into SQL as it is.
var plainField = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// rangeColumn is the column a non-unique index keeps for a top-level field: the field's
// SQL value (`->>`), which orders dates and numbers as numbers, so that a range of them
// can be read from the index in order (sqlite/ordered_range_pushdown.go). FerretDB reads
// no other query through these indexes, so what they hold changes no answer.
func rangeColumn(field string) (string, bool) {
	if !plainField.MatchString(field) {
		return "", false
	}

	return fmt.Sprintf("%s->>'%s'", DefaultColumn, field), true
}
