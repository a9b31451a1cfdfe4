package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DatabaseMigrateURL != c.DatabaseURL || c.TemporalTaskQueue != "xentri" ||
		c.TemporalHostPort() != "127.0.0.1:7233" || c.HTTPRequestTimeout != 30*time.Second || !filepath.IsAbs(c.DataDir) {
		t.Fatalf("defaults = %+v", c)
	}
	c, err = Load(envOf(map[string]string{"TEMPORAL_ADDRESS": "temporal:7233", "DATABASE_MIGRATE_URL": "postgres://owner@db/x"}))
	if err != nil || c.TemporalHostPort() != "temporal:7233" || c.DatabaseMigrateURL != "postgres://owner@db/x" {
		t.Fatalf("explicit values: %+v, %v", c, err)
	}
}

func TestBadValuesNameTheVariableAndWhatItAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, value, accepts string }{
		{"XENTRI_ENV", "production", "one of local, staging, prod"},
		{"XENTRI_LOG_LEVEL", "loud", "one of debug, info, warn, error"},
		{"XENTRI_HTTP_ADDR", "8080", "host:port"},
		{"XENTRI_HTTP_MAX_BODY_BYTES", "lots", "an integer from 1024"},
		{"XENTRI_HTTP_REQUEST_TIMEOUT", "30", "a Go duration"},
		{"DATABASE_URL", "mysql://x@y/z", "scheme postgres or postgresql"},
		{"DATABASE_MAX_CONNS", "0", "an integer from 1 to 1000"},
		{"REDIS_URL", "127.0.0.1:6379", "scheme redis or rediss"},
		{"TEMPORAL_ADDRESS", "http://temporal", "host:port"},
		{"XENTRI_TEMPORAL_PORT", "70000", "an integer from 1 to 65535"},
		{"S3_BUCKET", "My_Bucket", "an S3 bucket name"},
		{"S3_USE_SSL", "yes please", "true or false"},
		{"XENTRI_OPERATOR_TOKEN", "short", "at least 24 characters"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", "scheme http or https"},
		{"XENTRI_TRUSTED_PROXIES", "10.0.0.0/8,ingress", "comma-separated CIDRs"},
		{"XENTRI_TRUSTED_PROXIES", "10.0.0.0/33", "comma-separated CIDRs"},
		{"XENTRI_OUTBOUND_ALLOW", "10.1.0.0/8", "a CIDR without host bits, such as 10.0.0.0/8"},
		{"XENTRI_OUTBOUND_ALLOW", "fe80::1%eth0", "comma-separated CIDRs"},
		{"XENTRI_OUTBOUND_ALLOW", "::ffff:0:0/80", "a CIDR without host bits"},
		{"XENTRI_AI_ENGINE", "gpt", "one of rules, openai"},
		{"XENTRI_LLM_BASE_URL", "api.openai.com/v1", "scheme http or https"},
		{"XENTRI_LLM_TIMEOUT", "forever", "a Go duration from 1s to 10m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			_, err := Load(envOf(map[string]string{tt.name: tt.value}))
			if err == nil {
				t.Fatalf("%s=%q was accepted", tt.name, tt.value)
			}
			if !strings.Contains(err.Error(), tt.name) || !strings.Contains(err.Error(), tt.accepts) {
				t.Fatalf("error %q does not name %s and %q", err, tt.name, tt.accepts)
			}
		})
	}
}

func TestEveryBadVariableIsReportedAndSecretsAreHidden(t *testing.T) {
	t.Parallel()
	_, err := Load(envOf(map[string]string{
		"XENTRI_ENV":            "nope",
		"DATABASE_URL":          "mysql://admin:hunter2@db/x",
		"XENTRI_OPERATOR_TOKEN": "tooshort-secret",
	}))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	if strings.Count(msg, "\n") != 2 {
		t.Errorf("want one line per bad variable, got:\n%s", msg)
	}
	if strings.Contains(msg, "hunter2") || strings.Contains(msg, "tooshort-secret") {
		t.Errorf("a secret reached the error message:\n%s", msg)
	}
}

func TestTheOpenAIEngineNeedsAnEndpointAndAModel(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(nil))
	if err != nil || c.AIEngine != "rules" || c.LLMTimeout != 60*time.Second {
		t.Fatalf("defaults: engine %q, timeout %s, %v", c.AIEngine, c.LLMTimeout, err)
	}
	_, err = Load(envOf(map[string]string{"XENTRI_AI_ENGINE": "openai", "XENTRI_LLM_API_KEY": "sk-proj-secret-key"}))
	if err == nil {
		t.Fatal("openai without a base URL or a model was accepted")
	}
	for _, want := range []string{"XENTRI_LLM_BASE_URL", "XENTRI_LLM_MODEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "sk-proj-secret-key") {
		t.Errorf("the API key reached the error: %v", err)
	}
	// A local server takes no key.
	c, err = Load(envOf(map[string]string{"XENTRI_AI_ENGINE": "OpenAI", "XENTRI_LLM_BASE_URL": "http://127.0.0.1:11434/v1",
		"XENTRI_LLM_MODEL": "llama3.1:8b", "XENTRI_LLM_TIMEOUT": "2m"}))
	if err != nil || c.AIEngine != "openai" || c.LLMAPIKey != "" || c.LLMModel != "llama3.1:8b" || c.LLMTimeout != 2*time.Minute {
		t.Fatalf("local openai-compatible server: %+v, %v", c, err)
	}
}

func TestAddressRangesAreCanonical(t *testing.T) {
	t.Parallel()
	c, err := Load(envOf(map[string]string{
		"XENTRI_TRUSTED_PROXIES": " 10.0.0.0/8 , 192.0.2.7, fd00::/8,",
		"XENTRI_OUTBOUND_ALLOW":  "::1,::ffff:192.168.0.0/112",
		"XENTRI_ENV":             "prod",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("fd00::/8")}
	if !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
	}
	// IPv4-mapped becomes IPv4, as the addresses it is matched with are.
	want = []netip.Prefix{netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.168.0.0/16")}
	if !slices.Equal(c.OutboundAllow, want) || !slices.Equal(c.OutboundAllowed(), want) {
		t.Errorf("OutboundAllow = %v, OutboundAllowed() = %v; want %v for both outside local", c.OutboundAllow, c.OutboundAllowed(), want)
	}

	c, err = Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.TrustedProxies != nil || c.OutboundAllow != nil {
		t.Errorf("defaults: TrustedProxies %v, OutboundAllow %v; want none", c.TrustedProxies, c.OutboundAllow)
	}
	// Local (xentri dev, compose) reaches n8n wherever it runs, as before.
	all := c.OutboundAllowed()
	for _, a := range []string{"127.0.0.1", "::1", "10.1.2.3", "fd00::1"} {
		if !slices.ContainsFunc(all, func(p netip.Prefix) bool { return p.Contains(netip.MustParseAddr(a)) }) {
			t.Errorf("XENTRI_ENV=local: OutboundAllowed() = %v leaves out %s", all, a)
		}
	}
}

func TestPortsMustDiffer(t *testing.T) {
	t.Parallel()
	_, err := Load(envOf(map[string]string{"XENTRI_TEMPORAL_PORT": "7000", "XENTRI_TEMPORAL_UI_PORT": "7000"}))
	if err == nil || !strings.Contains(err.Error(), "XENTRI_TEMPORAL_UI_PORT") {
		t.Fatalf("same port twice: %v", err)
	}
}

func TestListenAddressesMayPickAFreePort(t *testing.T) {
	t.Parallel()
	if _, err := Load(envOf(map[string]string{"XENTRI_HTTP_ADDR": "127.0.0.1:0"})); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(envOf(map[string]string{"TEMPORAL_ADDRESS": "127.0.0.1:0"})); err == nil {
		t.Fatal("a dial address with port 0 was accepted")
	}
}

// TestEnvExampleIsCurrent fails when .env.example differs from Vars: run
// `make generate`.
func TestEnvExampleIsCurrent(t *testing.T) {
	t.Parallel()
	got, err := os.ReadFile("../../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != EnvExample() {
		t.Fatal(".env.example is stale: run `make generate`")
	}
}

func TestSiteURL(t *testing.T) {
	env := map[string]string{"XENTRI_HTTP_ADDR": "127.0.0.1:8080"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got := c.SiteURL("rosas"); got != "http://rosas.sites.localhost:8080" {
		t.Errorf("default SiteURL = %q", got)
	}
	env["XENTRI_SITES_URL"] = "https://{slug}.example-sites.com/"
	if c, err = Load(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if got := c.SiteURL("rosas"); got != "https://rosas.example-sites.com" {
		t.Errorf("SiteURL from XENTRI_SITES_URL = %q", got)
	}
	for _, bad := range []string{"https://example.com", "ftp://{slug}.x.com", "https://{slug}.{slug}.x.com"} {
		env["XENTRI_SITES_URL"] = bad
		if _, err := Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "XENTRI_SITES_URL") {
			t.Errorf("XENTRI_SITES_URL=%s: %v, want refused", bad, err)
		}
	}
	delete(env, "XENTRI_SITES_URL")
	env["XENTRI_SITES_DOMAIN"] = "Not A Domain"
	if _, err := Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "XENTRI_SITES_DOMAIN") {
		t.Errorf("a bad XENTRI_SITES_DOMAIN: %v, want refused", err)
	}
}
