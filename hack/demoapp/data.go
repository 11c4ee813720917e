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

// The demo app's records: obviously fake (example.com addresses, 555 numbers), fixed, so that pages
// are deterministic and a test can look for a known row.

type message struct{ ID, From, To, Snippet, Sent string }

type contact struct{ ID, Name, Email, Phone string }

type campaign struct{ ID, Name, Audience, Status string }

type conversation struct{ ID, From, Subject, Received string }

// records is everything the pages show; each template picks its part.
type records struct {
	Messages      []message
	Contacts      []contact
	Campaigns     []campaign
	Conversations []conversation
}

var demoRecords = records{
	Messages: []message{
		{"m-1001", "Ada Example", "+1 555 0100", "Your order #4411 has shipped", "2026-03-02 09:14"},
		{"m-1002", "Ben Sample", "+1 555 0101", "Reminder: appointment tomorrow at 10:00", "2026-03-02 11:40"},
		{"m-1003", "Cleo Placeholder", "+1 555 0102", "Thanks! See you on Friday", "2026-03-03 16:05"},
	},
	Contacts: []contact{
		{"c-2001", "Ada Example", "ada@example.com", "+1 555 0100"},
		{"c-2002", "Ben Sample", "ben@example.com", "+1 555 0101"},
		{"c-2003", "Cleo Placeholder", "cleo@example.com", "+1 555 0102"},
	},
	Campaigns: []campaign{
		{"k-3001", "Spring sale", "Newsletter subscribers (1,204)", "Sent"},
		{"k-3002", "Appointment reminders", "Clinic patients (318)", "Running"},
		{"k-3003", "Win-back", "Inactive customers (77)", "Draft"},
	},
	Conversations: []conversation{
		{"i-4001", "ada@example.com", "Where is my parcel?", "2026-03-04 08:02"},
		{"i-4002", "ben@example.com", "Change my appointment", "2026-03-04 10:31"},
	},
}

// dashboardStats are the dashboard's figures: counts only, no personal data, so a Limited session
// has something to look at.
type stat struct{ Label, Value string }

var dashboardStats = []stat{
	{"Messages sent this week", "1,482"},
	{"Delivery rate", "98.7 %"},
	{"Open conversations", "2"},
	{"Active campaigns", "1"},
}
