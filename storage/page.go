package storage

import (
	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

// paged limits q to one page ordered by id (newest first when desc), asking
// for one row more than the page holds to learn whether another page follows.
func paged(q *gorm.DB, p engine.Page, desc bool) *gorm.DB {
	if p.After != "" {
		if desc {
			q = q.Where("id < ?", p.After)
		} else {
			q = q.Where("id > ?", p.After)
		}
	}
	order := "id ASC"
	if desc {
		order = "id DESC"
	}
	return q.Order(order).Limit(p.Limit + 1)
}

// pageOf converts the rows of a paged query into a List.
func pageOf[R, T any](rows []R, p engine.Page, convert func(R) T, id func(R) string) engine.List[T] {
	out := engine.List[T]{Items: make([]T, 0, min(len(rows), p.Limit))}
	for i, r := range rows {
		if i == p.Limit {
			out.Next = id(rows[i-1])
			break
		}
		out.Items = append(out.Items, convert(r))
	}
	return out
}
