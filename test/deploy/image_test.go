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

package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// withImage renders config/default with the manager image set, as `make deploy IMG=...` does.
// dir is the kustomization argument, cwd where the script runs.
func withImage(t testing.TB, cwd, dir, image string) []byte {
	t.Helper()
	cmd := command(t, "bash", repoPath("hack", "kustomize-with-image.sh"), kubectlPath(t), dir, image)
	cmd.Dir = cwd
	out, _, err := run(cmd, nil)
	if err != nil {
		t.Fatalf("hack/kustomize-with-image.sh: %v", err)
	}
	return []byte(out)
}

// `make deploy IMG=...` sets the manager's image and changes nothing else.
func TestKustomizeWithImage(t *testing.T) {
	t.Parallel()
	base := defaultManifest(t)
	elsewhere := t.TempDir()
	for _, tc := range []struct {
		image, want string
		cwd, dir    string
	}{
		{image: "registry.example.com/sao:v1", want: "registry.example.com/sao:v1"},
		{image: "ghcr.io/supportaccess/support-access-operator:dev", want: "ghcr.io/supportaccess/support-access-operator:dev"},
		{image: "sao", want: "sao:latest"},
		{image: "localhost:5000/sao:v2", want: "localhost:5000/sao:v2"},
		{image: "localhost:5000/sao", want: "localhost:5000/sao"},
		{
			image: "registry.example.com/sao@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			want:  "registry.example.com/sao@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		},
		// From another directory, with an absolute kustomization path.
		{image: "registry.example.com/sao:v1", want: "registry.example.com/sao:v1", cwd: elsewhere, dir: repoPath("config", "default")},
	} {
		t.Run(tc.image, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			cwd, dir := tc.cwd, tc.dir
			if cwd == "" {
				cwd, dir = repoPath(), "config/default"
			}
			m, err := decodeManifest(withImage(t, cwd, dir, tc.image))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(m).To(HaveLen(len(base)))
			for i, u := range m {
				if u.GetKind() != "Deployment" {
					g.Expect(u.Object).To(Equal(base[i].Object), "%s %s changed", u.GetKind(), u.GetName())
					continue
				}
				dep := typed[appsv1.Deployment](g, u)
				g.Expect(dep.Spec.Template.Spec.Containers).To(HaveLen(1))
				g.Expect(dep.Spec.Template.Spec.Containers[0].Image).To(Equal(tc.want))
				// Everything but the image is config/default's.
				restored := u.DeepCopy()
				containers, _, _ := unstructured.NestedSlice(restored.Object, "spec", "template", "spec", "containers")
				containers[0].(map[string]any)["image"] = "controller:latest"
				g.Expect(unstructured.SetNestedSlice(restored.Object, containers, "spec", "template", "spec", "containers")).To(Succeed())
				g.Expect(restored.Object).To(Equal(base[i].Object), "the Deployment changed beyond its image")
			}
		})
	}
}

// dockerfileStage is one FROM stage of the Dockerfile with its instructions.
type dockerfileStage struct {
	from, name   string
	instructions []string // "USER 65532:65532", "RUN ...", continuation lines joined
}

func parseDockerfile(t testing.TB, path string) []dockerfileStage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []dockerfileStage
	var line strings.Builder
	s := bufio.NewScanner(f)
	for s.Scan() {
		text := strings.TrimSpace(s.Text())
		if line.Len() == 0 && (text == "" || strings.HasPrefix(text, "#")) {
			continue
		}
		if strings.HasSuffix(text, "\\") {
			line.WriteString(strings.TrimSuffix(text, "\\") + " ")
			continue
		}
		line.WriteString(text)
		instr := strings.Join(strings.Fields(line.String()), " ")
		line.Reset()
		fields := strings.Fields(instr)
		if strings.EqualFold(fields[0], "FROM") {
			st := dockerfileStage{from: fields[1]}
			if len(fields) == 4 && strings.EqualFold(fields[2], "AS") {
				st.name = fields[3]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if strings.EqualFold(fields[0], "ARG") {
				continue
			}
			t.Fatalf("%s: %q before the first FROM", path, instr)
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, instr)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

// instruction returns the stage's last instruction of a kind (USER, ENTRYPOINT...) without it.
func (s dockerfileStage) instruction(kind string) string {
	var last string
	for _, i := range s.instructions {
		if k, rest, _ := strings.Cut(i, " "); strings.EqualFold(k, kind) {
			last = rest
		}
	}
	return last
}

// The image: multi-stage, a static manager binary on distroless as a non-root numeric user (so
// that the Deployment's runAsNonRoot can check it), built with a Go at least as new as go.mod's.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	stages := parseDockerfile(t, repoPath("Dockerfile"))
	g.Expect(len(stages)).To(BeNumerically(">=", 2), "multi-stage: the toolchain stays out of the image")
	builder, final := stages[0], stages[len(stages)-1]

	g.Expect(final.from).To(MatchRegexp(`^gcr\.io/distroless/static(-debian\d+)?:nonroot$`), "the final stage's base")
	user := final.instruction("USER")
	g.Expect(user).To(MatchRegexp(`^[1-9][0-9]*(:[1-9][0-9]*)?$`),
		"a numeric non-root USER: kubelet cannot verify runAsNonRoot for a user name")
	g.Expect(final.instruction("ENTRYPOINT")).To(Equal(`["/manager"]`), "the Deployment's command")
	g.Expect(final.instruction("COPY")).To(HavePrefix("--from="+builder.name+" "), "the binary comes from the build stage")
	for _, i := range final.instructions {
		g.Expect(i).NotTo(HavePrefix("RUN"), "distroless has no shell")
	}

	build := builder.instruction("RUN")
	g.Expect(build).To(ContainSubstring("CGO_ENABLED=0"), "distroless/static needs a static binary")
	g.Expect(build).To(MatchRegexp(`go build .*-o manager \./cmd$`))

	// golang:X.Y[.Z]: at least go.mod's go version (the image's Go does not download a newer one).
	m := regexp.MustCompile(`^golang:(\d+)\.(\d+)(?:\.(\d+))?(?:-[a-z0-9.-]+)?$`).FindStringSubmatch(builder.from)
	g.Expect(m).NotTo(BeNil(), "the build stage's base %s is not golang:<version>", builder.from)
	gomod, err := os.ReadFile(repoPath("go.mod"))
	g.Expect(err).NotTo(HaveOccurred())
	want := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)(?:\.(\d+))?$`).FindStringSubmatch(string(gomod))
	g.Expect(want).NotTo(BeNil(), "go.mod has no go directive")
	version := func(parts []string) [3]int {
		var v [3]int
		for i, p := range parts[1:] {
			v[i], _ = strconv.Atoi(p) // "" (a floating tag's patch) is 0
		}
		return v
	}
	have, need := version(m), version(want)
	if m[3] == "" { // golang:1.26 floats to the newest 1.26.x
		need[2] = 0
	}
	g.Expect(have[0]*1_000_000+have[1]*1_000+have[2]).To(BeNumerically(">=", need[0]*1_000_000+need[1]*1_000+need[2]),
		"%s is older than go.mod's go %s.%s", builder.from, want[1], want[2])

	// .dockerignore keeps bin/ (hundreds of MB of control plane) out of the build context, and
	// nothing the build needs.
	data, err := os.ReadFile(repoPath(".dockerignore"))
	g.Expect(err).NotTo(HaveOccurred())
	var patterns []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			g.Expect(l).NotTo(HavePrefix("!"), "negations are not checked here")
			patterns = append(patterns, filepath.Clean(strings.TrimPrefix(l, "/")))
		}
	}
	ignored := func(path string) bool {
		for p := path; p != "."; p = filepath.Dir(p) {
			for _, pat := range patterns {
				if ok, _ := filepath.Match(pat, p); ok {
					return true
				}
			}
		}
		return false
	}
	g.Expect(ignored("bin/manager")).To(BeTrue(), ".dockerignore: bin/")
	for _, need := range []string{"go.mod", "go.sum", "cmd/main.go", "api/v1alpha1", "controllers", "internal/auth"} {
		g.Expect(ignored(need)).To(BeFalse(), ".dockerignore excludes %s, which the build needs", need)
	}
}
