//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// checkAppProxy: the App Proxy's coordinator and worker answer (the services output),
// the resource group is pointed at the coordinator with its token, and the token, a
// generated secret, is nowhere in the stack's state.
func checkAppProxy(t *testing.T, s *sandbox, manager string) {
	t.Helper()
	services, _ := s.pulumi("stack", "output", "services", "--json")
	var out struct {
		AppProxy struct {
			Coordinator struct {
				APIVersion string `json:"api_version"`
			}
		}
	}
	if err := json.Unmarshal([]byte(services), &out); err != nil || out.AppProxy.Coordinator.APIVersion == "" {
		t.Errorf("the services output does not show the App Proxy's coordinator (%v):\n%s", err, services)
	}
	row := s.ssh("bai-m1", `docker exec backendai-half-db psql -At -U postgres -d backend -c "select wsproxy_addr, length(wsproxy_api_token) from scaling_groups where name = 'default'"`)
	if row != "http://"+manager+":10200|43" {
		t.Errorf("the resource group's App Proxy (address|token length): %q", row)
	}
	token := s.ssh("bai-m1", `docker exec backendai-half-db psql -At -U postgres -d backend -c "select wsproxy_api_token from scaling_groups where name = 'default'"`)
	if state, _ := s.pulumi("stack", "export"); token == "" || strings.Contains(state, token) {
		t.Errorf("the App Proxy's token is in the stack's state, or there is none (%d characters)", len(token))
	}
	t.Logf("the App Proxy answers: %s", strings.Join(strings.Fields(services), " "))
}
