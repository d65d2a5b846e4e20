package handler

import (
	"context"
	"errors"

	"github.com/FerretDB/wire"

	"github.com/FerretDB/FerretDB/internal/bson"
	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/handler/handlererrors"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// updateStatements runs an `update` command's statements one at a time and answers
// as MongoDB does: `n`, `nModified` and `upserted` count the statements that ran,
// each upsert and each failed statement (a write error) carry their statement's
// index, and an ordered command (the default) stops at its first failure. FerretDB
// answered a failed statement with the write error alone, without counts, so the
// statements before it went unreported and drivers that add the counts up
// (PyMongo's bulk_write) failed with a KeyError; and it numbered upserts by the
// upserts before them.
// A failure that is not a statement's own (an invalid namespace, an internal
// error) still fails the whole command.
func (h *Handler) updateStatements(ctx context.Context, document *types.Document, params *common.UpdateParams) (*wire.OpMsg, error) { //nolint:lll // for readability
	ordered := true
	if v, _ := document.Get("ordered"); v != nil {
		if b, ok := v.(bool); ok {
			ordered = b
		}
	}

	var matched, modified int32
	upserted := types.MakeArray(0)
	writeErrors := types.MakeArray(0)

	for i := range params.Updates {
		one := *params
		one.Updates = params.Updates[i : i+1]

		m, mod, up, err := h.updateDocument(ctx, &one)
		if err != nil {
			err = handleUpdateError(params.DB, params.Collection, "update", err)

			we, ok := statementError(err)
			if !ok {
				return nil, err
			}

			we.Set("index", int32(i))
			writeErrors.Append(we)

			if ordered {
				break
			}

			continue
		}

		matched += m
		modified += mod

		for j := 0; j < up.Len(); j++ {
			doc := must.NotFail(up.Get(j)).(*types.Document)
			doc.Set("index", int32(i))
			upserted.Append(doc)
		}
	}

	res := must.NotFail(types.NewDocument(
		"n", matched,
	))

	if upserted.Len() != 0 {
		res.Set("upserted", upserted)
	}

	res.Set("nModified", modified)

	if writeErrors.Len() != 0 {
		res.Set("writeErrors", writeErrors)
	}

	res.Set("ok", float64(1))

	return documentOpMsg(res)
}

// statementError returns the write error document (index, code, errmsg) of a
// statement's own failure, or false for a failure of the command as a whole.
func statementError(err error) (*types.Document, bool) {
	var writeErrs *handlererrors.WriteErrors
	if errors.As(err, &writeErrs) && writeErrs.Len() > 0 {
		doc, convErr := bson.ToDocument(writeErrs.Document())
		if convErr != nil {
			return nil, false
		}

		list, ok := must.NotFail(doc.Get("writeErrors")).(*types.Array)
		if !ok || list.Len() == 0 {
			return nil, false
		}

		first, ok := must.NotFail(list.Get(0)).(*types.Document)

		return first, ok
	}

	var cmdErr *handlererrors.CommandError
	if errors.As(err, &cmdErr) && cmdErr.Code() != handlererrors.ErrInvalidNamespace {
		return must.NotFail(types.NewDocument(
			"index", int32(0),
			"code", int32(cmdErr.Code()),
			"errmsg", cmdErr.Err().Error(),
		)), true
	}

	return nil, false
}
