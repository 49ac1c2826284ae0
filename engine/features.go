package engine

import (
	"strings"
	"unicode"
)

// MessageFeatures is what a routing rule may see of a customer's message
// besides its text. It is fixed when the message arrives and stored with it,
// so that every later evaluation (a requeue, a rule test, an explain) sees
// what routing saw then.
type MessageFeatures struct {
	// Hashtags are the message's hashtags without the #, as the channel
	// reported them, or as found in the text when it reported none.
	Hashtags []string `json:"hashtags"`
	// URLs are where the links in the message lead: the targets of its
	// Links (expanded, not t.co), or the links found in its text when the
	// channel reported none.
	URLs []string `json:"urls"`
	// MediaKinds are the kinds of the attached media, in order: "photo",
	// "video", "animated_gif".
	MediaKinds []string `json:"media_kinds"`
	// Language is the message's language as an IETF code, when the channel
	// tells it.
	Language string `json:"language,omitempty"`
	// KnownContact: whether the customer matched a contact that existed
	// before this message.
	KnownContact bool `json:"known_contact"`
}

// featuresOf returns the features of an arriving message: the channel's own
// entities where it gave them, else what the text shows.
func featuresOf(in InboundMessage, known bool) MessageFeatures {
	f := TextFeatures(in.Text, in.Media)
	if in.Hashtags != nil {
		f.Hashtags = append([]string{}, in.Hashtags...)
	}
	switch {
	case len(in.Links) > 0:
		f.URLs = make([]string, 0, len(in.Links))
		for _, l := range in.Links {
			f.URLs = append(f.URLs, l.Target())
		}
	case len(in.URLs) > 0:
		f.URLs = append([]string{}, in.URLs...)
	}
	f.Language, f.KnownContact = in.Language, known
	return f
}

// TextFeatures returns the features a message's text and media show by
// themselves: hashtags and links found in the text, and the media kinds. It
// is what a message stored before features were kept is given.
func TextFeatures(text string, media []Media) MessageFeatures {
	f := MessageFeatures{Hashtags: []string{}, URLs: []string{}, MediaKinds: []string{}}
	for _, word := range strings.FieldsFunc(text, unicode.IsSpace) {
		if tag, ok := strings.CutPrefix(word, "#"); ok {
			if tag = strings.TrimRightFunc(tag, notTagRune); tag != "" {
				f.Hashtags = append(f.Hashtags, tag)
			}
			continue
		}
		if strings.HasPrefix(word, "http://") || strings.HasPrefix(word, "https://") {
			f.URLs = append(f.URLs, strings.TrimRight(word, `.,;:!?)]}>"'`))
		}
	}
	for _, m := range media {
		f.MediaKinds = append(f.MediaKinds, m.Type)
	}
	return f
}

func notTagRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' }
