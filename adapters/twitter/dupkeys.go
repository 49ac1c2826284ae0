package twitter

import (
	"encoding/json"
	"strconv"
	"strings"
)

// checkDuplicateKeys refuses a JSON object b in which a key occurs twice
// in one object: at its top level, or at any depth under the keys
// Switchboard reads (read; the other activities, e.g. tweet_create_events,
// are only named, and their contents are not checked). encoding/json would
// keep the last of two for_user_id silently, where another reader takes
// the first; Twitter never sends a key twice, so such a body is refused
// (ErrMalformed, naming the key's path, e.g.
// "direct_message_events[0].message_create.sender_id"). It returns the
// object's top-level keys, in order.
//
// It scans the bytes once, without building a value: it runs on every
// delivery, before the one decoding of it. It checks the syntax only as far
// as finding keys and ends needs; the decoding after it refuses any other
// malformed JSON.
func checkDuplicateKeys(b []byte, read func(key string) bool) ([]string, error) {
	s := &keyScanner{b: b}
	s.space()
	if s.i >= len(b) || b[s.i] != '{' {
		return nil, malformed("body is not a JSON object")
	}
	var top []string
	err := s.object(0, func(k string) bool { top = append(top, k); return read(k) })
	if err != nil {
		return nil, err
	}
	return top, nil
}

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// keyScanner walks JSON text, keeping the path to where it is for the
// error that names a duplicate key.
type keyScanner struct {
	b    []byte
	i    int
	path []pathStep
}

// pathStep is a key, or an array index when key is empty and index >= 0.
type pathStep struct {
	key   string
	index int
}

func (s *keyScanner) pathTo(key string) string {
	var sb strings.Builder
	for _, p := range s.path {
		if p.index >= 0 {
			sb.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(p.key)
	}
	if sb.Len() > 0 {
		sb.WriteByte('.')
	}
	sb.WriteString(key)
	return sb.String()
}

func (s *keyScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *keyScanner) unexpected() error {
	if s.i >= len(s.b) {
		return malformed("unexpected end of JSON input")
	}
	return malformed("invalid character %q at offset %d", s.b[s.i], s.i)
}

// value scans one value; check says whether its objects' keys are checked
// (descend is asked of each key of an object at the top level only).
func (s *keyScanner) value(depth int, check bool) error {
	s.space()
	if s.i >= len(s.b) {
		return s.unexpected()
	}
	switch s.b[s.i] {
	case '{':
		if !check {
			return s.skipObject(depth)
		}
		return s.object(depth, func(string) bool { return true })
	case '[':
		return s.array(depth, check)
	case '"':
		_, err := s.str()
		return err
	default:
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if s.i == start {
					return s.unexpected()
				}
				return nil
			}
			s.i++
		}
		return nil
	}
}

// object scans an object at s.i ('{'), refusing a key twice; it checks
// the keys of the values under the keys that descend reports.
func (s *keyScanner) object(depth int, descend func(key string) bool) error {
	if depth >= maxDepth {
		return malformed("JSON nested too deeply")
	}
	s.i++ // '{'
	var seen []string
	var seenSet map[string]bool // past a few keys, a set
	for first := true; ; first = false {
		s.space()
		if s.i < len(s.b) && s.b[s.i] == '}' && first {
			s.i++
			return nil
		}
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.unexpected()
		}
		k, err := s.str()
		if err != nil {
			return err
		}
		dup := false
		if seenSet != nil {
			dup = seenSet[k]
			seenSet[k] = true
		} else {
			for _, o := range seen {
				dup = dup || o == k
			}
			seen = append(seen, k)
			if len(seen) > 8 {
				seenSet = make(map[string]bool, 2*len(seen))
				for _, o := range seen {
					seenSet[o] = true
				}
			}
		}
		if dup {
			return malformed("duplicate key %s: each key may appear only once", s.pathTo(k))
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.unexpected()
		}
		s.i++
		if closed, err := s.element(pathStep{key: k, index: -1}, depth, descend(k), '}'); err != nil || closed {
			return err
		}
	}
}

func (s *keyScanner) array(depth int, check bool) error {
	if depth >= maxDepth {
		return malformed("JSON nested too deeply")
	}
	s.i++ // '['
	for n := 0; ; n++ {
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ']' && n == 0 {
			s.i++
			return nil
		}
		if closed, err := s.element(pathStep{index: n}, depth, check, ']'); err != nil || closed {
			return err
		}
	}
}

// element scans the value at step of the path, then the ',' after it or
// the container's closing delimiter, and says whether it was the latter.
func (s *keyScanner) element(step pathStep, depth int, check bool, closing byte) (bool, error) {
	s.path = append(s.path, step)
	err := s.value(depth+1, check)
	s.path = s.path[:len(s.path)-1]
	if err != nil {
		return false, err
	}
	s.space()
	if s.i >= len(s.b) {
		return false, s.unexpected()
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return false, nil
	case closing:
		s.i++
		return true, nil
	}
	return false, s.unexpected()
}

// skipObject scans past an object whose keys are not checked.
func (s *keyScanner) skipObject(depth int) error {
	if depth >= maxDepth {
		return malformed("JSON nested too deeply")
	}
	for nest := 0; s.i < len(s.b); {
		switch s.b[s.i] {
		case '"':
			if err := s.skipString(); err != nil {
				return err
			}
			continue
		case '{', '[':
			nest++
			if depth+nest > maxDepth {
				return malformed("JSON nested too deeply")
			}
		case '}', ']':
			nest--
			if nest == 0 {
				s.i++
				return nil
			}
		}
		s.i++
	}
	return s.unexpected()
}

// str scans a string at s.i and returns its value.
func (s *keyScanner) str() (string, error) {
	start := s.i
	escaped, err := s.scanString()
	if err != nil {
		return "", err
	}
	raw := s.b[start:s.i]
	if !escaped {
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", malformed("%v", err)
	}
	return v, nil
}

func (s *keyScanner) skipString() error {
	_, err := s.scanString()
	return err
}

// scanString moves past the string at s.i and says whether it has escapes.
func (s *keyScanner) scanString() (escaped bool, err error) {
	s.i++ // '"'
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			escaped = true
			s.i += 2
			continue
		case '"':
			s.i++
			return escaped, nil
		}
		s.i++
	}
	return escaped, malformed("unexpected end of JSON input")
}
