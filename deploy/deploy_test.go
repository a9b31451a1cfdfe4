package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/xentri/xentri/internal/platform/config"
)

// requiredVars are the variables api and worker need outside `xentri dev`
// (without them a process falls back to the embedded defaults). In compose,
// migrate shares their environment, so it is held to them too.
var requiredVars = []string{
	"DATABASE_URL", "REDIS_URL", "TEMPORAL_ADDRESS",
	"S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET",
}

// appRole is the Postgres role api, worker and relay connect as (RLS applies).
const appRole = "xentri_app"

// relayRole is the role the event relay connects as: it reads every org's
// system_events and nothing else.
const relayRole = "xentri_relay"

func declared(name string) bool {
	return slices.ContainsFunc(config.Vars, func(v config.Var) bool { return v.Name == name })
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// loadConfig runs the app's own validation over env, as the process would.
func loadConfig(env map[string]string) (config.Config, error) {
	return config.Load(func(k string) string { return env[k] })
}

func joinErrs(errs []error) string {
	var b strings.Builder
	for _, err := range errs {
		b.WriteString(err.Error())
		b.WriteString("\n")
	}
	return b.String()
}

// mutate replaces old with new in text and fails the test when old is absent,
// so a negative case can never pass by not changing anything.
func mutate(t *testing.T, text, old, new string) string {
	t.Helper()
	if !strings.Contains(text, old) {
		t.Fatalf("mutation target %q not found", old)
	}
	return strings.ReplaceAll(text, old, new)
}

// ---------------------------------------------------------------------------
// docker-compose.yml

// xentriCommands is every xentri service of the compose file and its command.
var xentriCommands = map[string][]string{
	"xentri-migrate": {"migrate", "up"},
	"xentri-api":     {"api"},
	"xentri-worker":  {"worker"},
	"xentri-relay":   {"relay"},
}

var composeServices = []string{
	"postgres", "redis", "minio", "temporal", "temporal-ui", "n8n", "gotrue",
	"xentri-migrate", "xentri-api", "xentri-worker", "xentri-relay",
}

// composePorts lists the published host ports: service, host, container.
var composePorts = []struct {
	service      string
	host, target int
}{
	{"xentri-api", 8080, 8080},
	{"temporal", 7233, 7233},
	{"temporal-ui", 8233, 8080},
	{"n8n", 5678, 5678},
	{"minio", 9000, 9000},
	{"gotrue", 9999, 9999},
}

// loadCompose loads the compose file (or content in its place) the way
// `docker compose` does, with an empty environment so the ${VAR:-default}
// defaults apply.
func loadCompose(root string, content []byte) (*types.Project, error) {
	file := types.ConfigFile{Filename: filepath.Join(root, "docker-compose.yml"), Content: content}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{file},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("xentri", true) })
}

func envOf(s types.ServiceConfig) map[string]string {
	env := make(map[string]string, len(s.Environment))
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

// checkCompose returns every way the compose project departs from what the
// stack needs.
func checkCompose(p *types.Project, root string) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for _, name := range composeServices {
		if _, ok := p.Services[name]; !ok {
			fail("service %s is missing", name)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	svc := func(name string) types.ServiceConfig { return p.Services[name] }

	for _, want := range composePorts {
		found := false
		for _, port := range svc(want.service).Ports {
			if port.Published == strconv.Itoa(want.host) && int(port.Target) == want.target {
				found = true
			}
		}
		if !found {
			fail("service %s does not publish host port %d -> %d", want.service, want.host, want.target)
		}
	}

	// Postgres: the init script makes the app role the xentri services use.
	pg := envOf(svc("postgres"))
	if img := svc("postgres").Image; !strings.HasPrefix(img, "postgres:16") {
		fail("postgres image is %q, want postgres:16", img)
	}
	if hc := svc("postgres").HealthCheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "pg_isready") {
		fail("postgres has no pg_isready healthcheck")
	}
	initFound := false
	for _, v := range svc("postgres").Volumes {
		if !strings.HasPrefix(v.Target, "/docker-entrypoint-initdb.d/") {
			continue
		}
		initFound = true
		b, err := os.ReadFile(v.Source)
		if err != nil {
			fail("postgres init script: %v", err)
			continue
		}
		sql := string(b)
		for _, want := range []string{"CREATE ROLE " + appRole, "NOSUPERUSER", "NOBYPASSRLS", "CREATE DATABASE n8n", "CREATE DATABASE gotrue", "supabase_auth_admin"} {
			if !strings.Contains(sql, want) {
				fail("postgres init script %s lacks %q", v.Source, want)
			}
		}
	}
	if !initFound {
		fail("postgres mounts no init script into /docker-entrypoint-initdb.d")
	}

	// Temporal: its dynamic config is the file in deploy/temporal.
	tenv := envOf(svc("temporal"))
	if tenv["DB"] != "postgres12" || tenv["POSTGRES_SEEDS"] != "postgres" {
		fail("temporal must use DB=postgres12 against the postgres service, has DB=%q POSTGRES_SEEDS=%q", tenv["DB"], tenv["POSTGRES_SEEDS"])
	}
	dyn := tenv["DYNAMIC_CONFIG_FILE_PATH"]
	dynFound := false
	for _, v := range svc("temporal").Volumes {
		if v.Target == dyn && v.Source == filepath.Join(root, "deploy", "temporal", "dynamicconfig.yaml") {
			dynFound = true
			var m map[string]any
			if b, err := os.ReadFile(v.Source); err != nil {
				fail("temporal dynamic config: %v", err)
			} else if err := yaml.Unmarshal(b, &m); err != nil || len(m) == 0 {
				fail("temporal dynamic config %s is not a YAML mapping: %v", v.Source, err)
			}
		}
	}
	if !dynFound {
		fail("temporal DYNAMIC_CONFIG_FILE_PATH=%q is not deploy/temporal/dynamicconfig.yaml mounted", dyn)
	}
	if got := envOf(svc("temporal-ui"))["TEMPORAL_ADDRESS"]; got != "temporal:7233" {
		fail("temporal-ui TEMPORAL_ADDRESS=%q, want temporal:7233", got)
	}

	if img := svc("n8n").Image; img != "n8nio/n8n:1.121.2" {
		fail("n8n image is %q, want n8nio/n8n:1.121.2", img)
	}
	if n := envOf(svc("n8n")); n["N8N_ENCRYPTION_KEY"] == "" || n["DB_TYPE"] != "postgresdb" {
		fail("n8n needs N8N_ENCRYPTION_KEY and DB_TYPE=postgresdb")
	}
	g := envOf(svc("gotrue"))
	for k, want := range map[string]string{
		"GOTRUE_JWT_AUD": "authenticated", "GOTRUE_SITE_URL": "http://localhost:8080",
		"GOTRUE_MAILER_AUTOCONFIRM": "true", "GOTRUE_DB_DRIVER": "postgres",
	} {
		if g[k] != want {
			fail("gotrue %s=%q, want %q", k, g[k], want)
		}
	}
	if len(g["GOTRUE_JWT_SECRET"]) < 32 {
		fail("gotrue GOTRUE_JWT_SECRET must be set (32+ characters)")
	}
	minio := envOf(svc("minio"))

	for name, cmd := range xentriCommands {
		s := svc(name)
		env := envOf(s)
		if s.Build == nil {
			fail("%s has no build", name)
		} else {
			df := s.Build.Dockerfile
			if !filepath.IsAbs(df) {
				df = filepath.Join(s.Build.Context, df)
			}
			if s.Build.Context != root || df != filepath.Join(root, "deploy", "Dockerfile") {
				fail("%s builds %s from context %s, want deploy/Dockerfile from the repository root", name, df, s.Build.Context)
			}
		}
		if !slices.Equal([]string(s.Command), cmd) {
			fail("%s command is %q, want %q", name, s.Command, cmd)
		}
		for _, k := range slices.Sorted(maps.Keys(env)) {
			if !declared(k) {
				fail("%s passes %s, which config.Vars does not declare", name, k)
			}
		}
		for _, k := range requiredVars {
			if env[k] == "" {
				fail("%s lacks %s", name, k)
			}
		}
		if env["XENTRI_ENV"] != "local" {
			fail("%s XENTRI_ENV=%q, want local", name, env["XENTRI_ENV"])
		}
		if name == "xentri-migrate" {
			if env["DATABASE_MIGRATE_URL"] == "" {
				fail("%s lacks DATABASE_MIGRATE_URL", name)
			} else if u, err := url.Parse(env["DATABASE_MIGRATE_URL"]); err != nil {
				fail("%s DATABASE_MIGRATE_URL: %v", name, err)
			} else if pw, _ := u.User.Password(); u.User.Username() != pg["POSTGRES_USER"] || pw != pg["POSTGRES_PASSWORD"] {
				fail("%s DATABASE_MIGRATE_URL must be the owner %s with the postgres service's password", name, pg["POSTGRES_USER"])
			}
		} else if _, ok := env["DATABASE_MIGRATE_URL"]; ok {
			fail("%s gets DATABASE_MIGRATE_URL: only migrate may hold the owner role", name)
		}
		if u, err := url.Parse(env["DATABASE_URL"]); err != nil {
			fail("%s DATABASE_URL: %v", name, err)
		} else {
			pw, _ := u.User.Password()
			role, pwVar := appRole, "XENTRI_APP_DB_PASSWORD"
			if name == "xentri-relay" {
				role, pwVar = relayRole, "XENTRI_RELAY_DB_PASSWORD"
			}
			if u.User.Username() != role {
				fail("%s DATABASE_URL connects as %q, want the role %s", name, u.User.Username(), role)
			}
			if pw != pg[pwVar] {
				fail("%s DATABASE_URL password differs from the postgres service's %s", name, pwVar)
			}
			if u.Host != "postgres:5432" || u.Path != "/xentri" {
				fail("%s DATABASE_URL points at %s%s, want postgres:5432/xentri", name, u.Host, u.Path)
			}
		}
		if host, _, _ := net.SplitHostPort(env["S3_ENDPOINT"]); host != "minio" {
			fail("%s S3_ENDPOINT=%q does not point at the minio service", name, env["S3_ENDPOINT"])
		}
		if env["S3_ACCESS_KEY"] != minio["MINIO_ROOT_USER"] || env["S3_SECRET_KEY"] != minio["MINIO_ROOT_PASSWORD"] {
			fail("%s S3 credentials differ from minio's", name)
		}
		if _, err := loadConfig(env); err != nil {
			fail("%s environment is rejected by config.Load:\n%v", name, err)
		}
	}

	for _, name := range []string{"xentri-api", "xentri-worker"} {
		s := svc(name)
		if d, ok := s.DependsOn["xentri-migrate"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
			fail("%s must depend on xentri-migrate with condition service_completed_successfully", name)
		}
		for _, dep := range []string{"temporal", "redis", "minio"} {
			if _, ok := s.DependsOn[dep]; !ok {
				fail("%s does not depend on %s", name, dep)
			}
		}
	}
	if d, ok := svc("xentri-migrate").DependsOn["postgres"]; !ok || d.Condition != types.ServiceConditionHealthy {
		fail("xentri-migrate must depend on a healthy postgres")
	}
	// `xentri healthcheck` probes the process's own /readyz.
	if hc := svc("xentri-api").HealthCheck; hc == nil || strings.Join(hc.Test, " ") != "CMD /xentri healthcheck" {
		fail("xentri-api has no healthcheck running /xentri healthcheck (its /readyz)")
	}
	return errs
}

func TestCompose(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	p, err := loadCompose(root, nil)
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	for _, err := range checkCompose(p, root) {
		t.Error(err)
	}
}

// TestComposeCheckCatchesMistakes shows that checkCompose fails on real
// mistakes: each case breaks the real file in one way.
func TestComposeCheckCatchesMistakes(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	cases := []struct{ name, old, new, want string }{
		{"superuser DATABASE_URL", "postgres://xentri_app:", "postgres://postgres:", "want the role xentri_app"},
		{"undeclared variable", "  XENTRI_ENV: local\n", "  XENTRI_ENV: local\n  XENTRI_NOT_A_VAR: x\n", "XENTRI_NOT_A_VAR, which config.Vars does not declare"},
		{"invalid value", "REDIS_URL: redis://redis:6379/0", "REDIS_URL: http://redis:6379/0", "rejected by config.Load"},
		{"port not published", `"8233:8080"`, `"18233:8080"`, "host port 8233"},
		{"wrong command", `command: ["worker"]`, `command: ["api"]`, "xentri-worker command"},
		{"wrong Dockerfile", "dockerfile: deploy/Dockerfile", "dockerfile: Dockerfile", "want deploy/Dockerfile"},
		{"api does not wait for migrate", "condition: service_completed_successfully", "condition: service_started", "service_completed_successfully"},
		{"migrate URL leaked", "  S3_BUCKET: xentri\n", "  S3_BUCKET: xentri\n  DATABASE_MIGRATE_URL: postgres://postgres@postgres:5432/xentri\n", "only migrate may hold the owner role"},
		{"role password drift", "XENTRI_APP_DB_PASSWORD: ${XENTRI_APP_DB_PASSWORD:-xentri-dev-only}", "XENTRI_APP_DB_PASSWORD: other", "password differs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, err := loadCompose(root, []byte(mutate(t, text, c.old, c.new)))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if got := joinErrs(checkCompose(p, root)); !strings.Contains(got, c.want) {
				t.Errorf("errors %q do not mention %q", got, c.want)
			}
		})
	}
	t.Run("schema", func(t *testing.T) {
		t.Parallel()
		_, err := loadCompose(root, []byte(mutate(t, text, "    restart: unless-stopped\n", "    restrat: unless-stopped\n")))
		if err == nil {
			t.Error("a misspelt service key loaded without error")
		}
	})
}

// ---------------------------------------------------------------------------
// deploy/Dockerfile

type instruction struct {
	cmd  string // upper case
	args string
	line int
}

type stage struct {
	base, name string
	instrs     []instruction
}

// parseDockerfile splits a Dockerfile into instructions (continuation lines
// joined, comments and blank lines dropped) grouped by stage; ARGs before the
// first FROM are substituted into FROM lines.
func parseDockerfile(text string) (global map[string]string, stages []stage) {
	global = map[string]string{}
	var instrs []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		instrs = append(instrs, instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start})
		cur.Reset()
	}
	for _, in := range instrs {
		switch {
		case in.cmd == "FROM":
			fields := strings.Fields(in.args)
			var rest []string
			for _, f := range fields {
				if !strings.HasPrefix(f, "--") {
					rest = append(rest, f)
				}
			}
			st := stage{}
			if len(rest) > 0 {
				st.base = os.Expand(rest[0], func(k string) string { return global[k] })
			}
			if len(rest) == 3 && strings.EqualFold(rest[1], "AS") {
				st.name = rest[2]
			}
			stages = append(stages, st)
		case len(stages) == 0 && in.cmd == "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			global[k] = v
		case len(stages) > 0:
			stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
		}
	}
	return global, stages
}

func checkDockerfile(text string) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	_, stages := parseDockerfile(text)
	if len(stages) < 2 {
		return []error{fmt.Errorf("want a multi-stage build, found %d stage(s)", len(stages))}
	}

	// The builder: a static, stamped build of ./cmd/xentri.
	var builder *stage
	for i := range stages {
		if strings.HasPrefix(stages[i].base, "golang:") {
			builder = &stages[i]
		}
	}
	if builder == nil {
		fail("no stage builds FROM golang:")
	} else {
		if builder.base != "golang:1.26" {
			fail("builder is %s, want golang:1.26", builder.base)
		}
		built := false
		for _, in := range builder.instrs {
			if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
				continue
			}
			built = true
			for _, want := range []string{
				"CGO_ENABLED=0", "-trimpath", "./cmd/xentri", "--mount=type=cache",
				"-X github.com/xentri/xentri/internal/platform/buildinfo.Version=${VERSION}",
				"-X github.com/xentri/xentri/internal/platform/buildinfo.Commit=${COMMIT}",
			} {
				if !strings.Contains(in.args, want) {
					fail("line %d: the go build lacks %s", in.line, want)
				}
			}
		}
		if !built {
			fail("the builder stage runs no go build")
		}
	}

	// The final stage: non-root, the xentri binary as entrypoint.
	final := stages[len(stages)-1]
	if !strings.Contains(final.base, "distroless/static") {
		fail("final stage is FROM %s, want gcr.io/distroless/static", final.base)
	}
	user := ""
	if strings.HasSuffix(final.base, ":nonroot") {
		user = "65532"
	}
	var entrypoint, cmd []string
	copied := false
	for _, in := range final.instrs {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(in.args), &entrypoint); err != nil {
				fail("line %d: ENTRYPOINT is not in exec form: %v", in.line, err)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(in.args), &cmd); err != nil {
				fail("line %d: CMD is not in exec form: %v", in.line, err)
			}
		case "COPY":
			if builder != nil && strings.Contains(in.args, "--from="+builder.name+" ") && strings.HasSuffix(in.args, " /xentri") {
				copied = true
			}
		}
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "root" || uid == "0" {
		fail("the final stage runs as root (USER %q): want a non-root USER or a :nonroot base", user)
	}
	if !slices.Equal(entrypoint, []string{"/xentri"}) {
		fail("ENTRYPOINT is %q, want [\"/xentri\"]", entrypoint)
	}
	if !slices.Equal(cmd, []string{"api"}) {
		fail("CMD is %q, want [\"api\"]", cmd)
	}
	if !copied {
		fail("the final stage does not copy the built binary to /xentri")
	}
	if !slices.ContainsFunc(final.instrs, func(in instruction) bool { return in.cmd == "EXPOSE" && in.args == "8080" }) {
		fail("the final stage does not EXPOSE 8080")
	}
	return errs
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkDockerfile(string(b)) {
		t.Error(err)
	}
}

func TestDockerfileCheckCatchesMistakes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	const user, base = "USER 65532:65532\n", "static-debian12:nonroot\n"
	cases := []struct {
		name string
		edit []string // old, new, old, new, ...
		want string   // "" when the edit is still acceptable
	}{
		{"cgo", []string{"CGO_ENABLED=0 ", ""}, "CGO_ENABLED=0"},
		{"root user", []string{user, "USER root\n"}, "runs as root"},
		{"nonroot base alone", []string{user, ""}, ""},
		{"neither non-root user nor base", []string{user, "", base, "static-debian12\n"}, "runs as root"},
		{"other entrypoint", []string{`ENTRYPOINT ["/xentri"]`, `ENTRYPOINT ["/bin/sh"]`}, "ENTRYPOINT"},
		{"shell-form entrypoint", []string{`ENTRYPOINT ["/xentri"]`, `ENTRYPOINT /xentri`}, "exec form"},
		{"unstamped", []string{"buildinfo.Commit=${COMMIT}", "buildinfo.Rev=${COMMIT}"}, "buildinfo.Commit"},
		{"single stage", []string{"FROM gcr.io/distroless/" + base + "COPY --from=build /out/xentri /xentri\n", ""}, "multi-stage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			mutated := text
			for i := 0; i+1 < len(c.edit); i += 2 {
				mutated = mutate(t, mutated, c.edit[i], c.edit[i+1])
			}
			got := joinErrs(checkDockerfile(mutated))
			switch {
			case c.want == "" && got != "":
				t.Errorf("want no error, got %q", got)
			case !strings.Contains(got, c.want):
				t.Errorf("errors %q do not mention %q", got, c.want)
			}
		})
	}
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines[strings.Trim(l, "/")] = true
		}
	}
	for _, want := range []string{".git", ".xentri", "bin", "node_modules", "web/app/node_modules"} {
		if !lines[want] {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
	for _, need := range []string{"go.mod", "go.sum", "cmd", "internal", "web", "web/dist", "*", "**"} {
		if lines[need] {
			t.Errorf(".dockerignore excludes %s, which the build needs", need)
		}
	}
}

// ---------------------------------------------------------------------------
// deploy/k8s

const k8sNamespace = "xentri"

// kustomization is the part of kustomize's Kustomization these manifests use;
// decoded strictly, so a field outside it fails the test until added here.
type kustomization struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Labels     []struct {
		Pairs            map[string]string `json:"pairs"`
		IncludeSelectors bool              `json:"includeSelectors,omitempty"`
		IncludeTemplates bool              `json:"includeTemplates,omitempty"`
	} `json:"labels,omitempty"`
	Resources []string `json:"resources"`
	Images    []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
		Digest  string `json:"digest,omitempty"`
	} `json:"images,omitempty"`
}

const secretExample = "secret.example.yaml"

// unmarshalStrict decodes one YAML document into obj the way the API server
// does with strict field validation: field names match case-sensitively, and
// an unknown or duplicate field is an error. (sigs.k8s.io/yaml's
// UnmarshalStrict alone matches names case-insensitively, so it would accept
// readOnlyRootFileSystem, which the server drops.)
func unmarshalStrict(doc []byte, obj any) error {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strictErrs, err := sigsjson.UnmarshalStrict(js, obj)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

// newObject returns an empty typed object for apiVersion and kind.
func newObject(apiVersion, kind string) (any, bool) {
	switch apiVersion + " " + kind {
	case "v1 Namespace":
		return &corev1.Namespace{}, true
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1 Secret":
		return &corev1.Secret{}, true
	case "v1 Service":
		return &corev1.Service{}, true
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, true
	case "batch/v1 Job":
		return &batchv1.Job{}, true
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, true
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "networking.k8s.io/v1 Ingress":
		return &networkingv1.Ingress{}, true
	}
	return nil, false
}

// decodeManifests decodes every YAML document of path strictly: an unknown
// kind or field is an error.
func decodeManifests(path string) ([]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var objs []any
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var probe map[string]any
		if err := yaml.Unmarshal(doc, &probe); err != nil {
			return nil, fmt.Errorf("%s document %d: %w", path, i, err)
		}
		if len(probe) == 0 {
			continue // only comments
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("%s document %d: %w", path, i, err)
		}
		obj, ok := newObject(tm.APIVersion, tm.Kind)
		if !ok {
			return nil, fmt.Errorf("%s document %d: unexpected kind %s %s", path, i, tm.APIVersion, tm.Kind)
		}
		if err := unmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s document %d (%s): %w", path, i, tm.Kind, err)
		}
		objs = append(objs, obj)
	}
}

// k8sSet is every object of deploy/k8s by kind.
type k8sSet struct {
	kust        kustomization
	namespaces  []*corev1.Namespace
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret // from secret.example.yaml only
	services    map[string]*corev1.Service
	deployments map[string]*appsv1.Deployment
	jobs        map[string]*batchv1.Job
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
	ingresses   []*networkingv1.Ingress
}

func loadK8s(dir string) (*k8sSet, []error) {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	s := &k8sSet{
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		services: map[string]*corev1.Service{}, deployments: map[string]*appsv1.Deployment{},
		jobs: map[string]*batchv1.Job{},
	}
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, []error{err}
	}
	if err := unmarshalStrict(b, &s.kust); err != nil {
		return nil, []error{fmt.Errorf("kustomization.yaml: %w", err)}
	}
	if s.kust.Kind != "Kustomization" || s.kust.Namespace != k8sNamespace {
		fail("kustomization.yaml: kind %q namespace %q, want Kustomization in %s", s.kust.Kind, s.kust.Namespace, k8sNamespace)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, []error{err}
	}
	var files []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") && e.Name() != "kustomization.yaml" {
			files = append(files, e.Name())
		}
	}
	for _, r := range s.kust.Resources {
		if _, err := os.Stat(filepath.Join(dir, r)); err != nil {
			fail("kustomization resource %s: %v", r, err)
		}
	}
	for _, f := range files {
		listed := slices.Contains(s.kust.Resources, f)
		if f == secretExample && listed {
			fail("%s is listed in kustomization resources: it must never be applied", f)
		}
		if f != secretExample && !listed {
			fail("%s is not listed in kustomization resources", f)
		}
	}

	for _, f := range files {
		objs, err := decodeManifests(filepath.Join(dir, f))
		if err != nil {
			fail("%v", err)
			continue
		}
		for _, o := range objs {
			if m, ok := o.(metav1.Object); ok && m.GetNamespace() != "" && m.GetNamespace() != k8sNamespace {
				fail("%s: %s is in namespace %q, want %s", f, m.GetName(), m.GetNamespace(), k8sNamespace)
			}
			if _, isSecret := o.(*corev1.Secret); isSecret != (f == secretExample) {
				fail("%s: Secrets belong only in %s, and it holds only the Secret", f, secretExample)
				continue
			}
			switch o := o.(type) {
			case *corev1.Namespace:
				s.namespaces = append(s.namespaces, o)
			case *corev1.ConfigMap:
				s.configMaps[o.Name] = o
			case *corev1.Secret:
				s.secrets[o.Name] = o
			case *corev1.Service:
				s.services[o.Name] = o
			case *appsv1.Deployment:
				s.deployments[o.Name] = o
			case *batchv1.Job:
				s.jobs[o.Name] = o
			case *autoscalingv2.HorizontalPodAutoscaler:
				s.hpas = append(s.hpas, o)
			case *policyv1.PodDisruptionBudget:
				s.pdbs = append(s.pdbs, o)
			case *networkingv1.Ingress:
				s.ingresses = append(s.ingresses, o)
			}
		}
	}
	return s, errs
}

// secretKeys are the keys of the Secret xentri-secrets.
var secretKeys = []string{"DATABASE_URL", "RELAY_DATABASE_URL", "DATABASE_MIGRATE_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY", "GOTRUE_ANON_KEY", "GOTRUE_SERVICE_ROLE_KEY", "GOTRUE_JWT_SECRET", "XENTRI_LLM_API_KEY"}

// checkContainerEnv checks a container's variables and returns them as the
// process would see them (ConfigMap and secret.example values).
func (s *k8sSet) checkContainerEnv(where string, c corev1.Container, fail func(string, ...any)) map[string]string {
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			cm, ok := s.configMaps[from.ConfigMapRef.Name]
			if !ok {
				fail("%s: envFrom ConfigMap %s does not exist", where, from.ConfigMapRef.Name)
				continue
			}
			maps.Copy(env, cm.Data)
		case from.SecretRef != nil:
			fail("%s: envFrom Secret %s hands every key to the container; name the keys with secretKeyRef", where, from.SecretRef.Name)
		}
	}
	for _, e := range c.Env {
		if !declared(e.Name) {
			fail("%s: env %s is not declared in config.Vars", where, e.Name)
		}
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			sec, ok := s.secrets[ref.Name]
			if !ok {
				fail("%s: env %s reads Secret %s, which %s does not document", where, e.Name, ref.Name, secretExample)
				continue
			}
			v, ok := sec.StringData[ref.Key]
			if !ok {
				fail("%s: env %s reads key %s, which Secret %s does not document", where, e.Name, ref.Key, ref.Name)
			}
			env[e.Name] = v
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			var v string
			cm, ok := s.configMaps[ref.Name]
			if ok {
				v, ok = cm.Data[ref.Key]
			}
			if !ok {
				fail("%s: env %s reads ConfigMap %s key %s, which does not exist", where, e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		default:
			fail("%s: env %s has an unexpected valueFrom", where, e.Name)
		}
	}
	if _, err := loadConfig(env); err != nil {
		fail("%s: environment is rejected by config.Load:\n%v", where, err)
	}
	return env
}

// checkPod checks what every xentri pod must have: non-root, read-only root
// filesystem, no capabilities, resources, the one image.
func (s *k8sSet) checkPod(where string, spec corev1.PodSpec, image string, fail func(string, ...any)) []map[string]string {
	podNonRoot := spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil && *spec.SecurityContext.RunAsNonRoot
	if sc := spec.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		fail("%s: pod runAsUser is 0", where)
	}
	if len(spec.Containers) == 0 {
		fail("%s has no containers", where)
	}
	var envs []map[string]string
	for _, c := range spec.Containers {
		cw := where + " container " + c.Name
		sc := c.SecurityContext
		nonRoot := podNonRoot
		if sc != nil && sc.RunAsNonRoot != nil {
			nonRoot = *sc.RunAsNonRoot
		}
		if !nonRoot {
			fail("%s: runAsNonRoot is not true", cw)
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			fail("%s: readOnlyRootFilesystem is not true", cw)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			fail("%s: allowPrivilegeEscalation is not false", cw)
		}
		if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			fail("%s: capabilities do not drop ALL", cw)
		}
		if sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			fail("%s: runAsUser is 0", cw)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			fail("%s: wants cpu and memory requests and a memory limit", cw)
		}
		if name, _, _ := strings.Cut(c.Image, ":"); name != image {
			fail("%s: image %s is not %s (kustomization images)", cw, c.Image, image)
		}
		envs = append(envs, s.checkContainerEnv(cw, c, fail))
	}
	return envs
}

func matches(sel *metav1.LabelSelector, labels map[string]string) bool {
	if sel == nil || len(sel.MatchLabels) == 0 {
		return false
	}
	for k, v := range sel.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func containerPort(c corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

// k8sDeployments lists the Deployments and their args.
var k8sDeployments = map[string][]string{
	"xentri-api":    {"api"},
	"xentri-worker": {"worker"},
}

func checkK8s(dir string) []error {
	s, errs := loadK8s(dir)
	if s == nil {
		return errs
	}
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if !slices.ContainsFunc(s.namespaces, func(n *corev1.Namespace) bool { return n.Name == k8sNamespace }) {
		fail("no Namespace %s", k8sNamespace)
	}
	if len(s.kust.Images) != 1 || s.kust.Images[0].Name != "ghcr.io/xentri/xentri" {
		fail("kustomization images must set ghcr.io/xentri/xentri")
		return errs
	}
	image := s.kust.Images[0].Name

	for name, cm := range s.configMaps {
		for k := range cm.Data {
			if !declared(k) {
				fail("ConfigMap %s key %s is not declared in config.Vars", name, k)
			}
		}
	}
	sec, ok := s.secrets["xentri-secrets"]
	if !ok {
		fail("%s does not document the Secret xentri-secrets", secretExample)
	} else {
		if got := slices.Sorted(maps.Keys(sec.StringData)); !slices.Equal(got, slices.Sorted(slices.Values(secretKeys))) || len(sec.Data) > 0 {
			fail("Secret xentri-secrets documents %v in stringData, want %v", got, secretKeys)
		}
		for k, v := range sec.StringData {
			// RELAY_DATABASE_URL is the relay Deployment's DATABASE_URL.
			if !declared(k) && k != "RELAY_DATABASE_URL" {
				fail("Secret key %s is not declared in config.Vars", k)
			}
			if !strings.Contains(v, "change-me") {
				fail("%s: %s must be a change-me placeholder", secretExample, k)
			}
		}
		app, errApp := url.Parse(sec.StringData["DATABASE_URL"])
		owner, errOwner := url.Parse(sec.StringData["DATABASE_MIGRATE_URL"])
		if errApp != nil || errOwner != nil || app.User.Username() != appRole || owner.User.Username() == appRole {
			fail("%s: DATABASE_URL must use the app role %s and DATABASE_MIGRATE_URL the owner", secretExample, appRole)
		}
	}

	for name, args := range k8sDeployments {
		d, ok := s.deployments[name]
		if !ok {
			fail("no Deployment %s", name)
			continue
		}
		where := "Deployment " + name
		if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
			fail("%s: want 2 or more replicas", where)
		}
		labels := d.Spec.Template.Labels
		if !matches(d.Spec.Selector, labels) {
			fail("%s: selector does not match the pod template labels", where)
		}
		envs := s.checkPod(where, d.Spec.Template.Spec, image, fail)
		for i, c := range d.Spec.Template.Spec.Containers {
			cw := where + " container " + c.Name
			env := envs[i]
			if !slices.Equal(c.Args, args) || len(c.Command) > 0 {
				fail("%s: args %q, want %q (and the image's entrypoint)", cw, c.Args, args)
			}
			if env["XENTRI_HTTP_ADDR"] != "0.0.0.0:8080" {
				fail("%s: XENTRI_HTTP_ADDR=%q, want 0.0.0.0:8080", cw, env["XENTRI_HTTP_ADDR"])
			}
			for _, k := range requiredVars {
				if env[k] == "" {
					fail("%s lacks %s", cw, k)
				}
			}
			for _, e := range c.Env {
				if e.Name == "DATABASE_MIGRATE_URL" || (e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Key == "DATABASE_MIGRATE_URL") {
					fail("%s gets the owner URL (DATABASE_MIGRATE_URL): only the migrate job may hold the owner role", cw)
				}
			}
			if e := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "DATABASE_URL" }); e < 0 || c.Env[e].ValueFrom == nil || c.Env[e].ValueFrom.SecretKeyRef == nil {
				fail("%s: DATABASE_URL must come from the Secret", cw)
			} else if u, err := url.Parse(env["DATABASE_URL"]); err != nil || u.User.Username() != appRole {
				fail("%s: DATABASE_URL must connect as the app role %s", cw, appRole)
			}
			for _, p := range []struct {
				kind, path string
				probe      *corev1.Probe
			}{{"readiness", "/readyz", c.ReadinessProbe}, {"liveness", "/healthz", c.LivenessProbe}} {
				if p.probe == nil || p.probe.HTTPGet == nil {
					fail("%s: no HTTP %s probe", cw, p.kind)
					continue
				}
				if p.probe.HTTPGet.Path != p.path {
					fail("%s: %s probe path %s, want %s", cw, p.kind, p.probe.HTTPGet.Path, p.path)
				}
				if port, ok := containerPort(c, p.probe.HTTPGet.Port); !ok || port != 8080 {
					fail("%s: %s probe port %s is not the container's port 8080", cw, p.kind, p.probe.HTTPGet.Port.String())
				}
			}
		}
		hpa := slices.IndexFunc(s.hpas, func(h *autoscalingv2.HorizontalPodAutoscaler) bool {
			return h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == name
		})
		if hpa < 0 {
			fail("%s has no HorizontalPodAutoscaler", where)
		} else if h := s.hpas[hpa].Spec; h.MinReplicas == nil || *h.MinReplicas < 2 || h.MaxReplicas < *h.MinReplicas {
			fail("%s: HPA wants minReplicas >= 2 and maxReplicas >= minReplicas", where)
		}
		if !slices.ContainsFunc(s.pdbs, func(p *policyv1.PodDisruptionBudget) bool { return matches(p.Spec.Selector, labels) }) {
			fail("%s has no PodDisruptionBudget selecting its pods", where)
		}
	}

	job, ok := s.jobs["xentri-migrate"]
	if !ok {
		fail("no Job xentri-migrate")
	} else {
		spec := job.Spec.Template.Spec
		if spec.RestartPolicy != corev1.RestartPolicyNever && spec.RestartPolicy != corev1.RestartPolicyOnFailure {
			fail("Job xentri-migrate: restartPolicy %q", spec.RestartPolicy)
		}
		envs := s.checkPod("Job xentri-migrate", spec, image, fail)
		for i, c := range spec.Containers {
			if !slices.Equal(c.Args, []string{"migrate", "up"}) || len(c.Command) > 0 {
				fail("Job xentri-migrate: args %q, want [migrate up]", c.Args)
			}
			if envs[i]["DATABASE_MIGRATE_URL"] == "" {
				fail("Job xentri-migrate lacks DATABASE_MIGRATE_URL")
			}
		}
	}

	api, ok := s.deployments["xentri-api"]
	svc, svcOK := s.services["xentri-api"]
	switch {
	case !svcOK:
		fail("no Service xentri-api")
	case ok:
		if !matches(&metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, api.Spec.Template.Labels) {
			fail("Service xentri-api does not select the api pods")
		}
		for _, p := range svc.Spec.Ports {
			if port, ok := containerPort(api.Spec.Template.Spec.Containers[0], p.TargetPort); !ok || port != 8080 {
				fail("Service xentri-api port %s targets %s, not the api's 8080", p.Name, p.TargetPort.String())
			}
		}
	}

	if len(s.ingresses) != 1 {
		fail("want one Ingress, found %d", len(s.ingresses))
	} else {
		ing := s.ingresses[0]
		if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
			fail("Ingress %s: ingressClassName is not nginx", ing.Name)
		}
		if ing.Annotations["cert-manager.io/cluster-issuer"] == "" && ing.Annotations["cert-manager.io/issuer"] == "" {
			fail("Ingress %s: no cert-manager issuer annotation", ing.Name)
		}
		if !slices.ContainsFunc(ing.Spec.TLS, func(t networkingv1.IngressTLS) bool {
			return slices.Contains(t.Hosts, "api.xentri.app") && t.SecretName != ""
		}) {
			fail("Ingress %s: no TLS for api.xentri.app", ing.Name)
		}
		routed := false
		for _, r := range ing.Spec.Rules {
			if r.Host != "api.xentri.app" || r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				if b == nil || !svcOK || b.Name != svc.Name {
					fail("Ingress %s: path %s does not route to Service xentri-api", ing.Name, p.Path)
					continue
				}
				if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
					return (b.Port.Name != "" && sp.Name == b.Port.Name) || (b.Port.Number != 0 && sp.Port == b.Port.Number)
				}) {
					fail("Ingress %s: backend port %+v is not a port of Service %s", ing.Name, b.Port, svc.Name)
				}
				routed = true
			}
		}
		if !routed {
			fail("Ingress %s: no rule routes api.xentri.app", ing.Name)
		}
	}
	return errs
}

func TestK8s(t *testing.T) {
	t.Parallel()
	for _, err := range checkK8s("k8s") {
		t.Error(err)
	}
}

// TestK8sCheckCatchesMistakes breaks a copy of deploy/k8s in one way per case.
func TestK8sCheckCatchesMistakes(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, file, old, new, want string }{
		{"unknown field", "api.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", "unknown field"},
		{"unknown kind", "ingress.yaml", "kind: Ingress", "kind: Ingres", "unexpected kind"},
		{"liveness path", "worker.yaml", "path: /healthz", "path: /health", "want /healthz"},
		{"root", "worker.yaml", "runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot is not true"},
		{"writable root", "migrate-job.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem"},
		{"undeclared ConfigMap key", "configmap.yaml", "  XENTRI_ENV: prod\n", "  XENTRI_ENV: prod\n  XENTRI_NOT_A_VAR: x\n", "XENTRI_NOT_A_VAR is not declared"},
		{"invalid ConfigMap value", "configmap.yaml", "XENTRI_ENV: prod", "XENTRI_ENV: production", "rejected by config.Load"},
		{"undocumented secret key", "api.yaml", "key: S3_SECRET_KEY", "key: S3_SECRET", "does not document"},
		{"unlisted manifest", "kustomization.yaml", "  - ingress.yaml\n", "", "ingress.yaml is not listed"},
		{"secret applied", "kustomization.yaml", "  - ingress.yaml\n", "  - ingress.yaml\n  - secret.example.yaml\n", "must never be applied"},
		{"missing resource", "kustomization.yaml", "  - ingress.yaml\n", "  - ingress.yaml\n  - gone.yaml\n", "gone.yaml"},
		{"probe port", "api.yaml", "containerPort: 8080", "containerPort: 9090", "not the container's port 8080"},
		{"hpa min", "worker.yaml", "minReplicas: 2", "minReplicas: 1", "minReplicas >= 2"},
		{"owner URL in api", "api.yaml", "key: DATABASE_URL", "key: DATABASE_MIGRATE_URL", "only the migrate job"},
		{"owner role as app", "secret.example.yaml", "postgres://xentri_app:", "postgres://xentri_owner:", "must use the app role"},
		{"duplicate field", "configmap.yaml", "  XENTRI_ENV: prod\n", "  XENTRI_ENV: prod\n  XENTRI_ENV: staging\n", "duplicate"},
		{"ingress class", "ingress.yaml", "ingressClassName: nginx", "ingressClassName: traefik", "not nginx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			entries, err := os.ReadDir("k8s")
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join("k8s", e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if e.Name() == c.file {
					b = []byte(mutate(t, string(b), c.old, c.new))
				}
				if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := joinErrs(checkK8s(dir)); !strings.Contains(got, c.want) {
				t.Errorf("errors %q do not mention %q", got, c.want)
			}
		})
	}
}

// TestDecodeManifestsSkipsCommentDocuments guards the decoder itself: a
// comment-only document is not an object, and is not an error either.
func TestDecodeManifestsSkipsCommentDocuments(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.yaml")
	doc := "# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, err := decodeManifests(path)
	if err != nil || len(objs) != 1 {
		t.Fatalf("got %d objects, err %v; want 1 Namespace", len(objs), err)
	}
}
