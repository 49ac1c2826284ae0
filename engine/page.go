package engine

// Page asks for one page of a listing: at most Limit items after the item
// whose id is After (empty: from the start). Listings are ordered by id, and
// ids are ULIDs, so a page boundary stays put while new items are inserted.
type Page struct {
	Limit int
	After string
}

// Page size bounds.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// Normalized gives the page its default limit, and bounds it.
func (p Page) Normalized() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	return p
}

// List is one page of a listing. Next is the After of the following page,
// empty on the last page.
type List[T any] struct {
	Items []T
	Next  string
}
