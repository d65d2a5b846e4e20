package sqlite

import (
	"fmt"

	"github.com/FerretDB/FerretDB/internal/backends"
)

// orderedRangeClause answers a due scan (`backends.OrderedRange`) from the field's
// index instead of decoding the whole table. Non-unique indexes are made on
// `_ferretdb_sjson->>'field'` (edits.toml), an SQL value that orders dates (stored as
// milliseconds) as numbers, below every string, array or object; the expressions here
// are the index's, so SQLite walks the index.
//
// The first part selects the date values up to the bound, and of them only those no
// later than the Limit-th one (with all its ties, whatever their `_id`s); any later
// date has Limit matches before it. The second part adds every array value (its JSON
// text starts with `[`), which a range can match through any element. The handler
// filters, sorts and limits the result again, so the answer is the one a full scan
// gives; a table whose field holds no arrays costs the limit, not the table.
func orderedRangeClause(table string, r *backends.OrderedRange) (string, []any) {
	value := fmt.Sprintf(`_ferretdb_sjson->>'%s'`, r.Field)
	isDate := fmt.Sprintf(`_ferretdb_sjson->>'$."$s".p.%s.t' = 'date'`, r.Field)

	op := "<"
	bound := r.Upper.UnixMilli() - 1 // milliseconds: below the bound is at most one less
	if r.Inclusive {
		op, bound = "<=", r.Upper.UnixMilli()
	}

	last := fmt.Sprintf(
		`(SELECT %[1]s FROM %[2]q WHERE %[1]s %[3]s ? AND %[4]s ORDER BY %[1]s LIMIT 1 OFFSET ?)`,
		value, table, op, isDate,
	)

	clause := fmt.Sprintf(
		` WHERE %[1]s <= coalesce(%[2]s, ?) AND %[3]s`+
			` UNION ALL SELECT _ferretdb_sjson FROM %[4]q WHERE %[1]s >= '[' AND %[1]s < '\'`,
		value, last, isDate, table,
	)

	return clause, []any{r.Upper.UnixMilli(), r.Limit - 1, bound}
}
