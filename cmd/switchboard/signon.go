package main

import (
	"context"
	"fmt"
)

// signOnHandle adds a handle to the application and signs it on through
// the OAuth flow against the fake Twitter server, as the business (the
// fake's authorizing user) would; it returns the handle's id and screen
// name once the handle is active.
func signOnHandle(ctx context.Context, api *demoClient, admin, appID, workStreamID, name string) (id, screenName string, err error) {
	var pending struct {
		ID               string `json:"id"`
		AuthorizationURL string `json:"authorization_url"`
	}
	if err := api.do(ctx, "POST", "/twitter/applications/"+appID+"/handles", admin, map[string]any{"name": name, "work_stream_id": workStreamID}, &pending); err != nil {
		return "", "", fmt.Errorf("start signing on handle %s: %w", name, err)
	}
	if err := api.visit(ctx, pending.AuthorizationURL); err != nil {
		return "", "", fmt.Errorf("sign on handle %s: %w", name, err)
	}
	var handle struct {
		Status     string `json:"status"`
		ScreenName string `json:"screen_name"`
	}
	if err := api.do(ctx, "GET", "/twitter/handles/"+pending.ID, admin, nil, &handle); err != nil {
		return "", "", fmt.Errorf("read handle %s: %w", name, err)
	}
	if handle.Status != "active" {
		return "", "", fmt.Errorf("handle %s is %q after signing on, not active", name, handle.Status)
	}
	return pending.ID, handle.ScreenName, nil
}
