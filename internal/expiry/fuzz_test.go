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

package expiry

import (
	"encoding/json"
	"testing"
	"time"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// FuzzWindow decodes arbitrary grant specs, as the API would hand them over (durations and
// timestamps as strings), and checks the window is always sane: never reversed, never longer than
// the operator's maximum, and Expired/Remaining agree.
func FuzzWindow(f *testing.F) {
	for _, seed := range []string{
		`{"spec":{"duration":"168h"},"metadata":{"creationTimestamp":"2026-11-23T10:00:00Z"}}`,
		`{"spec":{"duration":"15m","renewedAt":"2026-11-23T10:00:00Z"}}`,
		`{"spec":{"duration":"99999h59m59.999999999s"}}`,
		`{"spec":{"duration":"-1h"}}`,
		`{"spec":{"renewedAt":"9999-12-31T23:59:59Z","duration":"720h"}}`,
		`{"spec":{"renewedAt":"0001-01-01T00:00:00Z"}}`,
		`{"spec":{"duration":"0s"}}`,
		`{}`,
	} {
		f.Add([]byte(seed), int64(0))
	}
	const maxDuration = 720 * time.Hour
	f.Fuzz(func(t *testing.T, raw []byte, offset int64) {
		var g supportaccessv1alpha1.SupportAccessGrant
		if err := json.Unmarshal(raw, &g); err != nil {
			return // the API server would have refused it
		}
		w := Of(&g, maxDuration)
		if w.End.Before(w.Start) {
			t.Fatalf("window [%s, %s) runs backwards", w.Start, w.End)
		}
		if d := w.End.Sub(w.Start); d > maxDuration {
			t.Fatalf("window of %s exceeds the maximum %s", d, maxDuration)
		}
		now := w.Start.Add(time.Duration(offset))
		if w.Expired(now) != (w.Remaining(now) == 0) {
			t.Fatalf("Expired and Remaining disagree at %s for [%s, %s)", now, w.Start, w.End)
		}
	})
}
