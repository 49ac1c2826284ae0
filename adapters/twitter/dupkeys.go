package twitter

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// checkDuplicateKeys refuses a JSON object b in which a key occurs twice
// in one object: at its top level, or at any depth under the keys
// Switchboard reads (read; the other activities, e.g. tweet_create_events,
// are only named, and their contents are not checked). encoding/json would
// keep the last of two for_user_id silently, where another reader takes
// the first; Twitter never sends a key twice, so such a body is refused
// (ErrMalformed, naming the key's path, e.g.
// "direct_message_events[0].message_create.sender_id").
func checkDuplicateKeys(b []byte, where string, read func(key string) bool) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return malformed("body is not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return malformed("%v", err)
		}
		k, _ := kt.(string)
		kp := k
		if where != "" {
			kp = where + "." + k
		}
		if seen[k] {
			return malformed("duplicate key %s: each key may appear only once", kp)
		}
		seen[k] = true
		if !read(k) {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return malformed("%v", err)
			}
			continue
		}
		p, err := dupValue(dec, kp)
		if err != nil {
			return malformed("%v", err)
		}
		if p != "" {
			return malformed("duplicate key %s: each key may appear only once", p)
		}
	}
	return nil
}

// dupValue reads one JSON value from dec and returns the path of the first
// key that occurs twice in one of its objects, "" when none does.
func dupValue(dec *json.Decoder, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return "", nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", err
			}
			k, _ := kt.(string)
			kp := k
			if path != "" {
				kp = path + "." + k
			}
			if seen[k] {
				return kp, nil
			}
			seen[k] = true
			if p, err := dupValue(dec, kp); err != nil || p != "" {
				return p, err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if p, err := dupValue(dec, path+"["+strconv.Itoa(i)+"]"); err != nil || p != "" {
				return p, err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return "", err
	}
	return "", nil
}
