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

package main

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// linePlot is a small line chart: one or two series over the same x values, an optional target
// line, linear axes from zero. The scale scenario draws its cost curves with it, as SVG a Markdown
// page shows as an image, without a plotting dependency.
type linePlot struct {
	title, xLabel, yLabel string
	series                []plotSeries
	target                float64 // drawn as a dashed line when > 0
	targetLabel           string
}

type plotSeries struct {
	name   string
	xs, ys []float64
}

// Layout, in SVG user units.
const (
	plotWidth, plotHeight                       = 640, 400
	plotLeft, plotRight, plotTop, plotBottom    = 72, 24, 60, 64
	plotTicks                                   = 5
	plotFont                                    = `font-family="sans-serif" font-size="12"`
	plotAxisColour, plotGridColour, plotTextCol = "#333", "#ddd", "#222"
)

// plotColours are the series' colours: distinct for colour-blind readers (Okabe–Ito).
var plotColours = []string{"#0072B2", "#D55E00", "#009E73"}

// niceTicks returns tick values from 0 to at least max, about n of them, at steps of 1, 2 or 5
// times a power of ten.
func niceTicks(max float64, n int) []float64 {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return []float64{0, 1}
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for i := 0; ; i++ {
		// Rounded to 12 digits, so that 3 × 0.2 is 0.6.
		v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(i)*step, 'g', 12, 64), 64)
		ticks = append(ticks, v)
		if v >= max-step*1e-9 {
			return ticks
		}
	}
}

// tickLabel prints a tick value briefly: 30000 as 30k, 0.5 as 0.5.
func tickLabel(v float64) string {
	if v >= 1000 && math.Mod(v, 1000) == 0 {
		return strconv.FormatFloat(v/1000, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// svg renders the plot.
func (p linePlot) svg() string {
	var xMax, yMax float64
	for _, s := range p.series {
		for i := range s.xs {
			xMax, yMax = math.Max(xMax, s.xs[i]), math.Max(yMax, s.ys[i])
		}
	}
	yMax = math.Max(yMax, p.target)
	xt, yt := niceTicks(xMax, plotTicks), niceTicks(yMax*1.05, plotTicks)
	xTop, yTop := xt[len(xt)-1], yt[len(yt)-1]
	w, h := float64(plotWidth-plotLeft-plotRight), float64(plotHeight-plotTop-plotBottom)
	x := func(v float64) float64 { return plotLeft + v/xTop*w }
	y := func(v float64) float64 { return plotTop + h - v/yTop*h }
	esc := html.EscapeString

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>`+"\n",
		plotWidth, plotHeight, plotWidth, plotHeight, plotFont)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold" fill="%s">%s</text>`+"\n", plotLeft, plotTextCol, esc(p.title))
	for _, v := range yt {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`+"\n", plotLeft, y(v), plotWidth-plotRight, y(v), plotGridColour)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`+"\n", plotLeft-6, y(v)+4, plotTextCol, tickLabel(v))
	}
	for _, v := range xt {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", x(v), y(0), x(v), y(0)+5, plotAxisColour)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`+"\n", x(v), y(0)+19, plotTextCol, tickLabel(v))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`+"\n", plotLeft, y(0), plotWidth-plotRight, y(0), plotAxisColour)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%.1f" stroke="%s"/>`+"\n", plotLeft, plotTop, plotLeft, y(0), plotAxisColour)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`+"\n", plotLeft+w/2, plotHeight-16, plotTextCol, esc(p.xLabel))
	fmt.Fprintf(&b, `<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle" fill="%s">%s</text>`+"\n", plotTop+h/2, plotTextCol, esc(p.yLabel))
	if p.target > 0 {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999" stroke-dasharray="6 4"/>`+"\n", plotLeft, y(p.target), plotWidth-plotRight, y(p.target))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#666">%s</text>`+"\n", plotWidth-plotRight-4, y(p.target)-5, esc(p.targetLabel))
	}
	lx := plotLeft
	for i, s := range p.series {
		c := plotColours[i%len(plotColours)]
		pts := make([]string, len(s.xs))
		for j := range s.xs {
			pts[j] = fmt.Sprintf("%.1f,%.1f", x(s.xs[j]), y(s.ys[j]))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), c)
		for j := range s.xs {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", x(s.xs[j]), y(s.ys[j]), c)
		}
		// The legend, in a row between the title and the plot area, where no curve can hide it.
		const ly = plotTop - 10
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", lx, ly-4, lx+20, ly-4, c)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`+"\n", lx+26, ly, plotTextCol, esc(s.name))
		lx += 26 + 7*len(s.name) + 24 // about 7 units a character at 12 px
	}
	b.WriteString("</svg>\n")
	return b.String()
}
