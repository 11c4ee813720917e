/*
Copyright 2026 The Support Access Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package demoapp

// page is one server-rendered page of the demo app.
type page struct {
	Path  string
	Title string
	// Template is the file in templates/ that defines the page's "content".
	Template string
	// PII marks the pages the product's help text calls personal data (message history, contacts,
	// campaigns, the inbox): the ones a Limited grant must not show, so the tour and the browser
	// tests have something to be refused.
	PII bool
	// Script is the page's one same-origin script, if any. Only a page with a script gets a CSP that
	// allows scripts.
	Script string
}

// pages lists every page in navigation order.
var pages = []page{
	{Path: "/dashboard", Title: "Dashboard", Template: "dashboard.html"},
	{Path: "/messages", Title: "Messages", Template: "messages.html", PII: true},
	{Path: "/contacts", Title: "Contacts", Template: "contacts.html", PII: true},
	{Path: "/campaigns", Title: "Campaigns", Template: "campaigns.html", PII: true},
	{Path: "/inbox", Title: "Inbox", Template: "inbox.html", PII: true},
	{Path: "/settings", Title: "Settings", Template: "settings.html"},
	// /poll fetches /api/ping in the background every second: the browser tests use it to show that
	// background requests do not keep a browser session alive (docs/reference.md#browser-sessions).
	{Path: "/poll", Title: "Poll", Template: "poll.html", Script: "/assets/poll.js"},
}

// navItem is one link of the navigation bar.
type navItem struct {
	Path    string
	Title   string
	PII     bool
	Current bool
}

// nav returns the navigation bar with current marked.
func nav(current string) []navItem {
	items := make([]navItem, 0, len(pages))
	for _, p := range pages {
		items = append(items, navItem{Path: p.Path, Title: p.Title, PII: p.PII, Current: p.Path == current})
	}
	return items
}
