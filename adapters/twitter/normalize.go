package twitter

import "github.com/switchboardhq/switchboard/engine"

// channelMessage normalizes a direct message for the engine: what
// toEngineDM gives, with the links of the text (t.co, expanded and display
// forms) and every variant and the preview image of a GIF or video. The
// t.co link of attached media is no link of the text (DisplayText drops
// it): it is not among the links.
func channelMessage(m DirectMessage) engine.ChannelMessage {
	dm := toEngineDM(m)
	for _, u := range m.URLs {
		if u.TCO == "" && u.Expanded == "" || isMediaLink(m.Media, u.TCO) {
			continue
		}
		dm.Links = append(dm.Links, engine.Link{URL: u.TCO, Expanded: u.Expanded, Display: u.Display})
	}
	dm.Media = engineMedia(m.Media)
	if iv := m.InitiatedVia; iv != nil {
		if iv.TweetID != "" {
			dm.InitiatedVia = append(dm.InitiatedVia, engine.Initiation{Kind: engine.InitiatedByPost, ID: iv.TweetID})
		}
		if iv.WelcomeMessageID != "" {
			dm.InitiatedVia = append(dm.InitiatedVia, engine.Initiation{Kind: engine.InitiatedByWelcomeMessage, ID: iv.WelcomeMessageID})
		}
	}
	return dm
}

// engineMedia keeps a photo's image, and for a GIF or video its best MP4
// as the URL, its still image as the preview and every variant.
func engineMedia(media []Media) []engine.Media {
	var out []engine.Media
	for _, md := range media {
		em := engine.Media{Type: md.Type, URL: md.URL, ID: md.ID}
		if md.VideoURL != "" || len(md.Variants) > 0 {
			em.PreviewURL = md.URL
			em.URL = md.VideoURL
			if em.URL == "" {
				em.URL = md.Variants[0].URL
			}
			for _, v := range md.Variants {
				em.Variants = append(em.Variants, engine.MediaVariant{URL: v.URL, ContentType: v.ContentType, Bitrate: v.Bitrate})
			}
		}
		out = append(out, em)
	}
	return out
}

func isMediaLink(media []Media, tco string) bool {
	for _, md := range media {
		if tco != "" && md.TCOURL == tco {
			return true
		}
	}
	return false
}
