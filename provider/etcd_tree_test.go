package provider

import (
	"strings"
	"testing"
)

func TestFlattenTreeLikePutJSON(t *testing.T) {
	tree := map[string]any{
		"":      "at-the-prefix",
		"redis": map[string]any{"addr": "127.0.0.1:8111"},
		"docker": map[string]any{"registry": map[string]any{"cr.backend.ai": map[string]any{
			"": "https://cr.backend.ai", "type": "harbor2",
		}}},
		"a b/c":   "quoted",
		"empty":   map[string]any{},
		"unicode": map[string]any{"키": "v"},
	}
	leaves, err := flattenTree("local", "config", "value", tree, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	paths := map[string]string{}
	for _, l := range leaves {
		got[l.key], paths[l.key] = l.value, l.path
	}
	want := map[string]string{
		"/sorna/local/config":                                    "at-the-prefix",
		"/sorna/local/config/redis/addr":                         "127.0.0.1:8111",
		"/sorna/local/config/docker/registry/cr.backend.ai":      "https://cr.backend.ai",
		"/sorna/local/config/docker/registry/cr.backend.ai/type": "harbor2",
		"/sorna/local/config/a%20b/c":                            "quoted", // quote() keeps "/"
		"/sorna/local/config/unicode/%ED%82%A4":                  "v",
	}
	if len(got) != len(want) {
		t.Errorf("keys: got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if p := paths["/sorna/local/config/docker/registry/cr.backend.ai/type"]; p != `value.docker.registry["cr.backend.ai"].type` {
		t.Errorf("path: %s", p)
	}
	root, err := flattenTree("local", "", "value", map[string]any{"volumes": map[string]any{"default_host": "local:volume1"}}, false)
	if err != nil || len(root) != 1 || root[0].key != "/sorna/local/volumes/default_host" {
		t.Errorf("root prefix: %v %v", root, err)
	}
}

func TestKeyTreeArgsRefused(t *testing.T) {
	ok := EtcdConnection{Endpoints: []string{"127.0.0.1:2379"}}
	tests := []struct {
		name string
		args KeyTreeArgs
		want string
	}{
		{"no namespace", KeyTreeArgs{Connection: ok, Value: map[string]any{"a": "b"}}, "namespace: "},
		{"namespace with a slash", KeyTreeArgs{Connection: ok, Namespace: "a/b"}, "namespace: "},
		{"prefix with a leading slash", KeyTreeArgs{Connection: ok, Namespace: "local", Prefix: "/config"}, "prefix: "},
		{"no endpoints", KeyTreeArgs{Namespace: "local"}, "connection.endpoints: "},
		{"a number leaf", KeyTreeArgs{Connection: ok, Namespace: "local", Value: map[string]any{"network": map[string]any{"overlay": map[string]any{"mtu": 1500.0}}}},
			`value.network.overlay.mtu: 1500 is a number; etcd values are strings, so write it as "1500"`},
		{"a boolean leaf", KeyTreeArgs{Connection: ok, Namespace: "local", Value: map[string]any{"ssl_verify": false}}, `value.ssl_verify: false is a boolean`},
		{"a list leaf", KeyTreeArgs{Connection: ok, Namespace: "local", Value: map[string]any{"project": []any{"a"}}}, "value.project: a list is not a string"},
		{"a null leaf", KeyTreeArgs{Connection: ok, Namespace: "local", Value: map[string]any{"x": nil}}, "value.x: null is not a string"},
		{"a secret number", KeyTreeArgs{Connection: ok, Namespace: "local", SecretValue: map[string]any{"pw": 1.0}}, "secretValue.pw: 1 is a number"},
		{"the same key twice", KeyTreeArgs{Connection: ok, Namespace: "local", Value: map[string]any{"a": "1"}, SecretValue: map[string]any{"a": "2"}}, "secretValue.a: /sorna/local/a is also written by value.a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.args.validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}
