package common

import (
	"context"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
)

// updateBatchSize bounds how many updated documents one transaction writes.
const updateBatchSize = 100

// UpdateDocument applies an update as updateDocumentEach does, but writes the
// updated documents in transactions of up to updateBatchSize documents instead
// of one transaction each: every commit is a WAL append and sync, which made an
// update of many documents cost about as much per document as a whole query.
// Documents updated before an error are still written, as before.
func UpdateDocument(ctx context.Context, c backends.Collection, cmd string, iter types.DocumentsIterator, param *Update) (*UpdateResult, error) { //nolint:lll // for readability
	batched := &batchedUpdates{Collection: c}
	result, err := updateDocumentEach(ctx, batched, cmd, iter, param)

	if flushErr := batched.flush(ctx); flushErr != nil && err == nil {
		return nil, lazyerrors.Error(flushErr)
	}

	return result, err
}

// batchedUpdates holds updated documents back until a batch is full.
type batchedUpdates struct {
	backends.Collection
	pending []*types.Document
}

// UpdateAll implements backends.Collection interface.
func (b *batchedUpdates) UpdateAll(ctx context.Context, params *backends.UpdateAllParams) (*backends.UpdateAllResult, error) { //nolint:lll // for readability
	b.pending = append(b.pending, params.Docs...)
	if len(b.pending) < updateBatchSize {
		return new(backends.UpdateAllResult), nil
	}

	return new(backends.UpdateAllResult), b.flush(ctx)
}

// InsertAll implements backends.Collection interface; an upsert follows the updates before it.
func (b *batchedUpdates) InsertAll(ctx context.Context, params *backends.InsertAllParams) (*backends.InsertAllResult, error) { //nolint:lll // for readability
	if err := b.flush(ctx); err != nil {
		return nil, err
	}

	return b.Collection.InsertAll(ctx, params)
}

func (b *batchedUpdates) flush(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}

	docs := b.pending
	b.pending = nil
	_, err := b.Collection.UpdateAll(ctx, &backends.UpdateAllParams{Docs: docs})

	return err
}
