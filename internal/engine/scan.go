package engine

// scanBatch is how many decoded hits go from the reading goroutine to the
// caller's at a time: enough that handing over costs little, few enough
// that the hits in flight stay a small, fixed part of memory.
const scanBatch = 256

// scan decodes the hits in event-time order, drops those whose rule no
// longer matches after the refresh of owned addresses and those of the
// machines Azure Databricks wrote for a cluster whose request was read
// (managed), gives hits without
// a tenant the only tenant (if any), and calls fn with each and its
// position among the hits kept. It returns the positions in seq of the
// hits it dropped, for pick (an int each: such hits are few, sign-ins
// from an address the tenant turned out to own). locs, when set, is told
// where each kept hit lies in the runs, for pickAt.
//
// A hit of a rule light marks (one that makes no alert of its own, most
// hits of a large hunt) is decoded only as far as correlations and the
// refresh read it (decodeLight); one of a rule unread marks (nothing
// reads it: corrFeeds.unread) is passed over, neither kept nor dropped.
//
// Merging the runs, decoding and the refresh run on a goroutine of their
// own, a batch ahead of fn, which runs on the caller's: on two cores the
// serial end of the hunt overlaps with itself. fn sees the hits in the
// same order as without it.
func (e *Engine) scan(seq *hitSeq, whose tenantFor, light, unread []bool, locs *hitLocs, fn func(ref int, h *keptHit)) (dropped []int, err error) {
	ch := make(chan []*keptHit, 2)
	var readErr error
	go func() {
		defer close(ch)
		batch := make([]*keptHit, 0, scanBatch)
		i := -1
		var sc refreshScratch
		var ls lightState
		readErr = seq.eachAt(func(rec []byte, run int, at int64) error {
			en, ok := entryOf(rec)
			if ok && en.in(unread) {
				return nil
			}
			i++
			if e.probe != nil && i%probeEvery == 0 {
				e.probe()
			}
			var h *keptHit
			var err error
			if ok && en.in(light) {
				h, err = decodeLight(rec, e.namesOf, &ls)
				if err == nil {
					whose.fill(h)
					e.settle(h)
				}
			} else {
				h, err = e.decode(rec, whose)
			}
			if err != nil {
				return err
			}
			if !e.stillMatches(h, &sc) || e.managed(h) || e.remediated(h) {
				h = nil
			} else if locs != nil {
				locs.add(run, at)
			}
			batch = append(batch, h) // nil: dropped
			if len(batch) == scanBatch {
				ch <- batch
				batch = make([]*keptHit, 0, scanBatch)
			}
			return nil
		})
		if readErr == nil && len(batch) > 0 {
			ch <- batch
		}
	}()
	// fn never fails, so every batch is read and the goroutine always ends.
	ref, i := 0, -1
	for b := range ch {
		for _, h := range b {
			i++
			if h == nil {
				dropped = append(dropped, i)
				continue
			}
			fn(ref, h)
			ref++
		}
	}
	// The channel's close orders readErr's write before this read.
	return dropped, readErr
}
