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

package pagerules

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The page-rules metrics let the platform team alert on a ConfigMap that stopped loading: the
// last good rules stay in force, so nothing else would show that their latest edit was ignored.
var (
	rulesValid = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "supportaccess_page_rules_valid",
		Help: "1 when the page-rules ConfigMap's latest content was loaded; 0 when it was refused or the ConfigMap is missing.",
	})
	rulesLoaded = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "supportaccess_page_rules_loaded",
		Help: "Page rules in force; 0 when none were ever loaded and every page needs Full.",
	})
	loadErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "supportaccess_page_rules_load_errors_total",
		Help: "Page-rules ConfigMap contents that were refused (invalid or without the rules.yaml key).",
	})
)

func init() {
	metrics.Registry.MustRegister(rulesValid, rulesLoaded, loadErrors)
}
